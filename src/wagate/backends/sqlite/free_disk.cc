#include "wagate/backends/sqlite/free_disk.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

namespace wagate::sqlite {

StatusOr<uint64_t> FreeDiskBytes(const std::string& path) {
  struct statvfs st {};
  if (statvfs(path.c_str(), &st) != 0) {
    return UnavailableError("statvfs " + path + ": " + std::strerror(errno));
  }
  return static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
}

}  // namespace wagate::sqlite
