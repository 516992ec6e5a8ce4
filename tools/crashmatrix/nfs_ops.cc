#include "nfs_ops.h"

#include <cstring>

namespace volumed::crashmatrix {
namespace {

nfs_fh3 Wire(const Fh& fh) {
  nfs_fh3 w{};
  w.data.data_len = static_cast<u_int>(fh.size());
  w.data.data_val = const_cast<char*>(fh.data());
  return w;
}

Fh FromWire(const nfs_fh3& w) { return Fh(w.data.data_val, w.data.data_len); }

std::string NfsErrorText(int status) { return "NFS3ERR " + std::to_string(status); }

Status NfsError(int status) { return Internal(NfsErrorText(status)); }

constexpr uint32_t kChunk = 64 * 1024;

}  // namespace

bool NfsOps::IsNfsStatus(const Status& s, int nfsstat) {
  return s.code() == Status::Code::kInternal && s.message() == NfsErrorText(nfsstat);
}

Result<Fh> NfsOps::Mount(const std::string& path) {
  int status = -1;
  Fh fh;
  VOLUMED_RETURN_IF_ERROR(mount_->Call<mountres3>(
      [&](rpc_context* rpc, rpc_cb cb, void* p) {
        return rpc_mount3_mnt_async(rpc, cb, const_cast<char*>(path.c_str()), p);
      },
      [&](mountres3* r) {
        status = r->fhs_status;
        if (status == MNT3_OK) {
          const auto& h = r->mountres3_u.mountinfo.fhandle;
          fh.assign(h.fhandle3_val, h.fhandle3_len);
        }
      }));
  if (status != MNT3_OK) return Internal("MNT3ERR " + std::to_string(status));
  return fh;
}

Result<Fh> NfsOps::Lookup(const Fh& dir, const std::string& name) {
  VOLUMED_ASSIGN_OR_RETURN(auto fh, LookupIfExists(dir, name));
  if (!fh.has_value()) return NfsError(NFS3ERR_NOENT);
  return *fh;
}

Result<std::optional<Fh>> NfsOps::LookupIfExists(const Fh& dir, const std::string& name) {
  LOOKUP3args a{};
  a.what.dir = Wire(dir);
  a.what.name = const_cast<char*>(name.c_str());
  int status = -1;
  Fh fh;
  VOLUMED_RETURN_IF_ERROR(nfs_->Call<LOOKUP3res>(
      [&](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_lookup_async(rpc, cb, &a, p); },
      [&](LOOKUP3res* r) {
        status = r->status;
        if (status == NFS3_OK) fh = FromWire(r->LOOKUP3res_u.resok.object);
      }));
  if (status == NFS3ERR_NOENT) return std::optional<Fh>();
  if (status != NFS3_OK) return NfsError(status);
  return std::optional<Fh>(std::move(fh));
}

Result<Fh> NfsOps::Create(const Fh& dir, const std::string& name) {
  CREATE3args a{};
  a.where.dir = Wire(dir);
  a.where.name = const_cast<char*>(name.c_str());
  a.how.mode = GUARDED;
  a.how.createhow3_u.obj_attributes.mode.set_it = 1;
  a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0644;
  int status = -1;
  Fh fh;
  VOLUMED_RETURN_IF_ERROR(nfs_->Call<CREATE3res>(
      [&](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_create_async(rpc, cb, &a, p); },
      [&](CREATE3res* r) {
        status = r->status;
        if (status == NFS3_OK && r->CREATE3res_u.resok.obj.handle_follows) {
          fh = FromWire(r->CREATE3res_u.resok.obj.post_op_fh3_u.handle);
        }
      }));
  if (status != NFS3_OK) return NfsError(status);
  if (fh.empty()) return Lookup(dir, name);
  return fh;
}

Result<Fh> NfsOps::Mkdir(const Fh& dir, const std::string& name) {
  MKDIR3args a{};
  a.where.dir = Wire(dir);
  a.where.name = const_cast<char*>(name.c_str());
  a.attributes.mode.set_it = 1;
  a.attributes.mode.set_mode3_u.mode = 0755;
  int status = -1;
  VOLUMED_RETURN_IF_ERROR(nfs_->Call<MKDIR3res>(
      [&](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_mkdir_async(rpc, cb, &a, p); },
      [&](MKDIR3res* r) { status = r->status; }));
  if (status != NFS3_OK) return NfsError(status);
  return Lookup(dir, name);
}

Result<WriteAck> NfsOps::Write(const Fh& file, uint64_t offset, const std::string& data,
                               bool sync) {
  WRITE3args a{};
  a.file = Wire(file);
  a.offset = offset;
  a.count = static_cast<count3>(data.size());
  a.stable = sync ? FILE_SYNC : UNSTABLE;
  a.data.data_len = static_cast<u_int>(data.size());
  a.data.data_val = const_cast<char*>(data.data());
  int status = -1;
  WriteAck ack;
  uint32_t count = 0;
  VOLUMED_RETURN_IF_ERROR(nfs_->Call<WRITE3res>(
      [&](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_write_async(rpc, cb, &a, p); },
      [&](WRITE3res* r) {
        status = r->status;
        if (status != NFS3_OK) return;
        const WRITE3resok& ok = r->WRITE3res_u.resok;
        count = ok.count;
        ack.stable = ok.committed != UNSTABLE;
        ack.verf.assign(ok.verf, NFS3_WRITEVERFSIZE);
      }));
  if (status != NFS3_OK) return NfsError(status);
  if (count != data.size()) {
    return Internal("short write: " + std::to_string(count) + " of " + std::to_string(data.size()));
  }
  return ack;
}

Result<Verifier> NfsOps::Commit(const Fh& file) {
  COMMIT3args a{};
  a.file = Wire(file);
  int status = -1;
  Verifier verf;
  VOLUMED_RETURN_IF_ERROR(nfs_->Call<COMMIT3res>(
      [&](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_commit_async(rpc, cb, &a, p); },
      [&](COMMIT3res* r) {
        status = r->status;
        if (status == NFS3_OK) verf.assign(r->COMMIT3res_u.resok.verf, NFS3_WRITEVERFSIZE);
      }));
  if (status != NFS3_OK) return NfsError(status);
  return verf;
}

Status NfsOps::Truncate(const Fh& file, uint64_t size) {
  SETATTR3args a{};
  a.object = Wire(file);
  a.new_attributes.size.set_it = 1;
  a.new_attributes.size.set_size3_u.size = size;
  int status = -1;
  VOLUMED_RETURN_IF_ERROR(nfs_->Call<SETATTR3res>(
      [&](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_setattr_async(rpc, cb, &a, p); },
      [&](SETATTR3res* r) { status = r->status; }));
  return status == NFS3_OK ? Status::Ok() : NfsError(status);
}

Status NfsOps::Rename(const Fh& from_dir, const std::string& from, const Fh& to_dir,
                      const std::string& to) {
  RENAME3args a{};
  a.from.dir = Wire(from_dir);
  a.from.name = const_cast<char*>(from.c_str());
  a.to.dir = Wire(to_dir);
  a.to.name = const_cast<char*>(to.c_str());
  int status = -1;
  VOLUMED_RETURN_IF_ERROR(nfs_->Call<RENAME3res>(
      [&](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_rename_async(rpc, cb, &a, p); },
      [&](RENAME3res* r) { status = r->status; }));
  return status == NFS3_OK ? Status::Ok() : NfsError(status);
}

Status NfsOps::Remove(const Fh& dir, const std::string& name) {
  REMOVE3args a{};
  a.object.dir = Wire(dir);
  a.object.name = const_cast<char*>(name.c_str());
  int status = -1;
  VOLUMED_RETURN_IF_ERROR(nfs_->Call<REMOVE3res>(
      [&](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_remove_async(rpc, cb, &a, p); },
      [&](REMOVE3res* r) { status = r->status; }));
  return status == NFS3_OK ? Status::Ok() : NfsError(status);
}

Result<uint64_t> NfsOps::Size(const Fh& file) {
  GETATTR3args a{};
  a.object = Wire(file);
  int status = -1;
  uint64_t size = 0;
  VOLUMED_RETURN_IF_ERROR(nfs_->Call<GETATTR3res>(
      [&](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_getattr_async(rpc, cb, &a, p); },
      [&](GETATTR3res* r) {
        status = r->status;
        if (status == NFS3_OK) size = r->GETATTR3res_u.resok.obj_attributes.size;
      }));
  if (status != NFS3_OK) return NfsError(status);
  return size;
}

Result<NfsOps::ReadReply> NfsOps::Read(const Fh& file, uint64_t offset, uint32_t count) {
  READ3args a{};
  a.file = Wire(file);
  a.offset = offset;
  a.count = count;
  int status = -1;
  ReadReply out;
  VOLUMED_RETURN_IF_ERROR(nfs_->Call<READ3res>(
      [&](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_read_async(rpc, cb, &a, p); },
      [&](READ3res* r) {
        status = r->status;
        if (status != NFS3_OK) return;
        const READ3resok& ok = r->READ3res_u.resok;
        out.data.assign(ok.data.data_val, ok.data.data_len);
        out.eof = ok.eof != 0 || ok.data.data_len == 0;
      }));
  if (status != NFS3_OK) return NfsError(status);
  if (out.data.size() > count) return Internal("READ returned more than asked for");
  return out;
}

Result<std::string> NfsOps::ReadAll(const Fh& file) {
  VOLUMED_ASSIGN_OR_RETURN(const uint64_t size, Size(file));
  std::string out;
  bool eof = false;
  while (!eof) {
    VOLUMED_ASSIGN_OR_RETURN(ReadReply chunk, Read(file, out.size(), kChunk));
    out += chunk.data;
    eof = chunk.eof;
    if (out.size() > size + kChunk) return Internal("READ returned more than the file size");
  }
  if (out.size() != size) {
    return Internal("READ returned " + std::to_string(out.size()) + " bytes, GETATTR size " +
                    std::to_string(size));
  }
  return out;
}

Result<std::vector<std::string>> NfsOps::List(const Fh& dir) {
  std::vector<std::string> names;
  uint64_t cookie = 0;
  char cookieverf[NFS3_COOKIEVERFSIZE] = {};
  bool eof = false;
  while (!eof) {
    READDIR3args a{};
    a.dir = Wire(dir);
    a.cookie = cookie;
    std::memcpy(a.cookieverf, cookieverf, sizeof(cookieverf));
    a.count = 8192;
    int status = -1;
    bool progressed = false;
    VOLUMED_RETURN_IF_ERROR(nfs_->Call<READDIR3res>(
        [&](rpc_context* rpc, rpc_cb cb, void* p) {
          return rpc_nfs3_readdir_async(rpc, cb, &a, p);
        },
        [&](READDIR3res* r) {
          status = r->status;
          if (status != NFS3_OK) return;
          const READDIR3resok& ok = r->READDIR3res_u.resok;
          std::memcpy(cookieverf, ok.cookieverf, sizeof(cookieverf));
          for (const entry3* e = ok.reply.entries; e != nullptr; e = e->nextentry) {
            progressed = true;
            cookie = e->cookie;
            const std::string name = e->name;
            if (name != "." && name != "..") names.push_back(name);
          }
          eof = ok.reply.eof != 0;
        }));
    if (status != NFS3_OK) return NfsError(status);
    if (!eof && !progressed) return Internal("READDIR made no progress");
  }
  return names;
}

}  // namespace volumed::crashmatrix
