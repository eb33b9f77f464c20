// Free disk space of the filesystem holding a path, as seen by an unprivileged process.
//
// Thread safety: a pure function over statvfs(2).
#pragma once

#include <cstdint>
#include <string>

#include "wagate/base/status.h"

namespace wagate::sqlite {

StatusOr<uint64_t> FreeDiskBytes(const std::string& path);

}  // namespace wagate::sqlite
