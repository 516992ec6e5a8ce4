#include "storage/store_capacity.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

namespace volumed::storage {

Result<StoreSpace> LocalDiskCapacity::Capacity() {
  struct statvfs vfs;
  if (statvfs(path_.c_str(), &vfs) != 0) {
    return IoError("statvfs " + path_ + ": " + std::strerror(errno));
  }
  StoreSpace s;
  s.total_bytes = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
  s.avail_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  return s;
}

}  // namespace volumed::storage
