#include "wagate/processing/jsonl_sink.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wagate/base/log.h"

namespace wagate::processing {

JsonlSink::~JsonlSink() {
  Stop();
  if (fd_ >= 0) ::close(fd_);
}

Status JsonlSink::Open() {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) return UnavailableError("cannot open analytics file " + path_ + ": " + std::strerror(errno));
  return Status::Ok();
}

StatusOr<int> JsonlSink::RunOnce(Millis wait) {
  StatusOr<std::vector<ports::ReceivedMessage>> batch =
      queue_.Receive(domain::QueueName::kAnalytics, 10, Millis(30'000), wait);
  if (!batch.ok()) return batch.status();
  if (batch->empty()) return 0;
  std::string lines;
  for (const ports::ReceivedMessage& m : *batch) lines += m.body + "\n";
  for (size_t written = 0; written < lines.size();) {
    ssize_t n = ::write(fd_, lines.data() + written, lines.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return UnavailableError("writing " + path_ + ": " + std::strerror(errno));
    written += static_cast<size_t>(n);
  }
  if (::fdatasync(fd_) != 0) return UnavailableError("syncing " + path_ + ": " + std::strerror(errno));
  for (const ports::ReceivedMessage& m : *batch) {
    (void)queue_.Delete(domain::QueueName::kAnalytics, m.receipt);
  }
  return static_cast<int>(batch->size());
}

void JsonlSink::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "analytics-sink");
    while (!stopping_.load()) {
      StatusOr<int> n = RunOnce(wait_);
      if (!n.ok()) {
        log::Warn("analytics sink failed", {log::F("error", n.status().ToString())});
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
    }
  });
}

void JsonlSink::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

}  // namespace wagate::processing
