// An annotated mutex, so that clang's -Wthread-safety checks which fields each lock guards.
//
// Every class that owns a Mutex marks the fields it guards with WAGATE_GUARDED_BY(mu_).
//
// Thread safety: this is the synchronisation primitive itself.
#pragma once

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define WAGATE_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define WAGATE_THREAD_ANNOTATION(x)
#endif

#define WAGATE_CAPABILITY(x) WAGATE_THREAD_ANNOTATION(capability(x))
#define WAGATE_SCOPED_CAPABILITY WAGATE_THREAD_ANNOTATION(scoped_lockable)
#define WAGATE_GUARDED_BY(x) WAGATE_THREAD_ANNOTATION(guarded_by(x))
#define WAGATE_PT_GUARDED_BY(x) WAGATE_THREAD_ANNOTATION(pt_guarded_by(x))
#define WAGATE_REQUIRES(...) WAGATE_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define WAGATE_EXCLUDES(...) WAGATE_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define WAGATE_ACQUIRE(...) WAGATE_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define WAGATE_RELEASE(...) WAGATE_THREAD_ANNOTATION(release_capability(__VA_ARGS__))

namespace wagate {

class WAGATE_CAPABILITY("mutex") Mutex {
 public:
  void Lock() WAGATE_ACQUIRE() { mu_.lock(); }
  void Unlock() WAGATE_RELEASE() { mu_.unlock(); }
  // For std::condition_variable_any and std::unique_lock.
  void lock() WAGATE_ACQUIRE() { mu_.lock(); }
  void unlock() WAGATE_RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

class WAGATE_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) WAGATE_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() WAGATE_RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// A condition variable that waits on a wagate::Mutex held through MutexLock.
using CondVar = std::condition_variable_any;

}  // namespace wagate
