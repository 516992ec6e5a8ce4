// The NFSv3 procedure handlers, grouped by family, one file each: attr (GETATTR, SETATTR,
// ACCESS), lookup (LOOKUP, READLINK), io (READ, WRITE, COMMIT), create (CREATE, MKDIR,
// SYMLINK, MKNOD), remove (REMOVE, RMDIR, RENAME, LINK), readdir (READDIR, READDIRPLUS),
// fs (FSSTAT, FSINFO, PATHCONF). Each takes decoded arguments and fills a zeroed result;
// a filesystem error is a normal reply carrying its nfsstat3 and whatever attributes and
// wcc data the reply has room for. nfs_program.cc binds them into the procedure table.
//
// Thread-safety: every handler may run concurrently with any other.
#pragma once

#include "nfs3/nfs_service.h"
#include "nfs3/readdir_xdr.h"
#include "nfs3_prot.h"
#include "rpc/program.h"

namespace volumed::nfs3 {

using rpc::CallContext;

void Getattr(NfsService& s, const CallContext& ctx, const GETATTR3args& a, GETATTR3res& r);
void Setattr(NfsService& s, const CallContext& ctx, const SETATTR3args& a, SETATTR3res& r);
void Access(NfsService& s, const CallContext& ctx, const ACCESS3args& a, ACCESS3res& r);

void Lookup(NfsService& s, const CallContext& ctx, const LOOKUP3args& a, LOOKUP3res& r);
void Readlink(NfsService& s, const CallContext& ctx, const READLINK3args& a, READLINK3res& r);

void Read(NfsService& s, const CallContext& ctx, const READ3args& a, READ3res& r);
void Write(NfsService& s, const CallContext& ctx, const WRITE3args& a, WRITE3res& r);
void Commit(NfsService& s, const CallContext& ctx, const COMMIT3args& a, COMMIT3res& r);

void Create(NfsService& s, const CallContext& ctx, const CREATE3args& a, CREATE3res& r);
void Mkdir(NfsService& s, const CallContext& ctx, const MKDIR3args& a, MKDIR3res& r);
void Symlink(NfsService& s, const CallContext& ctx, const SYMLINK3args& a, SYMLINK3res& r);
void Mknod(NfsService& s, const CallContext& ctx, const MKNOD3args& a, MKNOD3res& r);

void Remove(NfsService& s, const CallContext& ctx, const REMOVE3args& a, REMOVE3res& r);
void Rmdir(NfsService& s, const CallContext& ctx, const RMDIR3args& a, RMDIR3res& r);
void Rename(NfsService& s, const CallContext& ctx, const RENAME3args& a, RENAME3res& r);
void Link(NfsService& s, const CallContext& ctx, const LINK3args& a, LINK3res& r);

void Readdir(NfsService& s, const CallContext& ctx, const READDIR3args& a, READDIR3res& r);
void Readdirplus(NfsService& s, const CallContext& ctx, const READDIRPLUS3args& a,
                 ReaddirplusReply& r);

void Fsstat(NfsService& s, const CallContext& ctx, const FSSTAT3args& a, FSSTAT3res& r);
void Fsinfo(NfsService& s, const CallContext& ctx, const FSINFO3args& a, FSINFO3res& r);
void Pathconf(NfsService& s, const CallContext& ctx, const PATHCONF3args& a, PATHCONF3res& r);

}  // namespace volumed::nfs3
