// MakeServerHooks: wires the admin program to the server's other services — the NLM
// LockManager (lock counts, lock listing, breaking locks, dropping a deleted volume's
// locks), the MOUNT service's mount list (advisory, in memory, as in NFSv3), and the
// storage layer's fsck (which reports and does not repair).
//
// Thread-safety: the hooks call thread-safe services; the services must outlive them.
#pragma once

#include "admin/admin_hooks.h"
#include "mount/mount_service.h"
#include "nlm/lock_manager.h"
#include "storage/catalog.h"

namespace volumed::admin {

AdminHooks MakeServerHooks(storage::VolumeCatalog* catalog, nlm::LockManager* locks,
                           const mount::MountService* mounts);

}  // namespace volumed::admin
