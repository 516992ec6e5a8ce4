#include "nfs_calls.h"

#include <cstring>
#include <utility>

namespace volumed::bench {
namespace {

using Program = AsyncNfs::Program;

Status FromNfsStat(int status) {
  if (status == NFS3_OK) return Status::Ok();
  if (status == NFS3ERR_NOENT) return NotFound("NFS3ERR_NOENT");
  if (status == NFS3ERR_EXIST) return Exists("NFS3ERR_EXIST");
  return IoError("nfsstat3 " + std::to_string(status));
}

diropargs3 DirOp(const Fh& dir, const std::string& name) {
  diropargs3 d{};
  d.dir = WireFh(dir);
  d.name = const_cast<char*>(name.c_str());
  return d;
}

// A reply handler that passes an RPC failure on and otherwise hands the typed result over.
template <typename Res, typename F>
AsyncNfs::Reply Typed(F on_result, std::function<void(const Status&)> on_rpc_error) {
  return [on_result = std::move(on_result), on_rpc_error = std::move(on_rpc_error)](
             const Status& rpc, void* result) {
    if (!rpc.ok()) {
      on_rpc_error(rpc);
      return;
    }
    on_result(static_cast<Res*>(result));
  };
}

}  // namespace

Status StartMount(AsyncNfs& c, const std::string& export_path,
                  std::function<void(const Status&, const Fh& root)> done) {
  return c.Start(
      Program::kMount,
      [&export_path](rpc_context* rpc, rpc_cb cb, void* p) {
        return rpc_mount3_mnt_async(rpc, cb, const_cast<char*>(export_path.c_str()), p);
      },
      Typed<mountres3>(
          [done, export_path](mountres3* r) {
            if (r->fhs_status != MNT3_OK) {
              done(IoError("MNT " + export_path + ": mountstat3 " +
                           std::to_string(static_cast<int>(r->fhs_status))),
                   Fh());
              return;
            }
            const fhandle3& h = r->mountres3_u.mountinfo.fhandle;
            done(Status::Ok(), Fh(h.fhandle3_val, h.fhandle3_len));
          },
          [done](const Status& s) { done(s, Fh()); }));
}

Result<Fh> Mount(AsyncNfs& c, const std::string& export_path) {
  Fh root;
  VOLUMED_RETURN_IF_ERROR(Sync(c, [&](Done d) {
    return StartMount(c, export_path, [&root, d](const Status& s, const Fh& fh) {
      root = fh;
      d(s);
    });
  }));
  return root;
}

Status StartNull(AsyncNfs& c, Done done) {
  return c.Start(
      Program::kNfs,
      [](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_null_async(rpc, cb, p); },
      [done = std::move(done)](const Status& rpc, void*) { done(rpc); });
}

Status StartLookup(AsyncNfs& c, const Fh& dir, const std::string& name,
                   std::function<void(const Status&, const Fh& obj, uint64_t size)> done) {
  LOOKUP3args a{};
  a.what = DirOp(dir, name);
  return c.Start(
      Program::kNfs,
      [&a](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_lookup_async(rpc, cb, &a, p); },
      Typed<LOOKUP3res>(
          [done](LOOKUP3res* r) {
            if (r->status != NFS3_OK) {
              done(FromNfsStat(r->status), Fh(), 0);
              return;
            }
            const LOOKUP3resok& ok = r->LOOKUP3res_u.resok;
            const uint64_t size = ok.obj_attributes.attributes_follow
                                      ? ok.obj_attributes.post_op_attr_u.attributes.size
                                      : 0;
            done(Status::Ok(), FromWireFh(ok.object), size);
          },
          [done](const Status& s) { done(s, Fh(), 0); }));
}

Status StartGetattr(AsyncNfs& c, const Fh& fh, Done done) {
  GETATTR3args a{};
  a.object = WireFh(fh);
  return c.Start(
      Program::kNfs,
      [&a](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_getattr_async(rpc, cb, &a, p); },
      Typed<GETATTR3res>([done](GETATTR3res* r) { done(FromNfsStat(r->status)); }, done));
}

Status StartCreate(AsyncNfs& c, const Fh& dir, const std::string& name, bool exclusive,
                   std::function<void(const Status&, const Fh& obj)> done) {
  CREATE3args a{};
  a.where = DirOp(dir, name);
  a.how.mode = exclusive ? GUARDED : UNCHECKED;
  sattr3& attrs = a.how.createhow3_u.obj_attributes;
  attrs.mode.set_it = 1;
  attrs.mode.set_mode3_u.mode = 0644;
  if (!exclusive) {
    attrs.size.set_it = 1;
    attrs.size.set_size3_u.size = 0;
  }
  return c.Start(
      Program::kNfs,
      [&a](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_create_async(rpc, cb, &a, p); },
      Typed<CREATE3res>(
          [done, name](CREATE3res* r) {
            if (r->status != NFS3_OK) {
              done(FromNfsStat(r->status), Fh());
              return;
            }
            const post_op_fh3& obj = r->CREATE3res_u.resok.obj;
            if (!obj.handle_follows) {
              done(IoError("CREATE " + name + ": the reply carries no handle"), Fh());
              return;
            }
            done(Status::Ok(), FromWireFh(obj.post_op_fh3_u.handle));
          },
          [done](const Status& s) { done(s, Fh()); }));
}

Status StartMkdir(AsyncNfs& c, const Fh& dir, const std::string& name, Done done) {
  MKDIR3args a{};
  a.where = DirOp(dir, name);
  a.attributes.mode.set_it = 1;
  a.attributes.mode.set_mode3_u.mode = 0755;
  return c.Start(
      Program::kNfs,
      [&a](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_mkdir_async(rpc, cb, &a, p); },
      Typed<MKDIR3res>([done](MKDIR3res* r) { done(FromNfsStat(r->status)); }, done));
}

Status StartRemove(AsyncNfs& c, const Fh& dir, const std::string& name, Done done) {
  REMOVE3args a{};
  a.object = DirOp(dir, name);
  return c.Start(
      Program::kNfs,
      [&a](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_remove_async(rpc, cb, &a, p); },
      Typed<REMOVE3res>([done](REMOVE3res* r) { done(FromNfsStat(r->status)); }, done));
}

Status StartWrite(AsyncNfs& c, const Fh& fh, uint64_t offset, std::span<const char> data,
                  stable_how stable, Done done) {
  WRITE3args a{};
  a.file = WireFh(fh);
  a.offset = offset;
  a.count = static_cast<count3>(data.size());
  a.stable = stable;
  a.data.data_len = static_cast<u_int>(data.size());
  a.data.data_val = const_cast<char*>(data.data());
  const size_t want = data.size();
  return c.Start(
      Program::kNfs,
      [&a](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_write_async(rpc, cb, &a, p); },
      Typed<WRITE3res>(
          [done, want](WRITE3res* r) {
            if (r->status != NFS3_OK) {
              done(FromNfsStat(r->status));
              return;
            }
            const count3 got = r->WRITE3res_u.resok.count;
            if (got != want) {
              done(IoError("short write: " + std::to_string(got) + " of " + std::to_string(want)));
              return;
            }
            done(Status::Ok());
          },
          done));
}

Status StartRead(AsyncNfs& c, const Fh& fh, uint64_t offset, uint32_t length,
                 std::function<void(const Status&, uint32_t count, bool eof)> done) {
  READ3args a{};
  a.file = WireFh(fh);
  a.offset = offset;
  a.count = length;
  return c.Start(
      Program::kNfs,
      [&a](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_read_async(rpc, cb, &a, p); },
      Typed<READ3res>(
          [done](READ3res* r) {
            if (r->status != NFS3_OK) {
              done(FromNfsStat(r->status), 0, false);
              return;
            }
            const READ3resok& ok = r->READ3res_u.resok;
            if (ok.data.data_len != ok.count) {
              done(IoError("READ: count and data length differ"), 0, false);
              return;
            }
            done(Status::Ok(), ok.count, ok.eof != 0);
          },
          [done](const Status& s) { done(s, 0, false); }));
}

Status StartCommit(AsyncNfs& c, const Fh& fh, Done done) {
  COMMIT3args a{};
  a.file = WireFh(fh);
  return c.Start(
      Program::kNfs,
      [&a](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_commit_async(rpc, cb, &a, p); },
      Typed<COMMIT3res>([done](COMMIT3res* r) { done(FromNfsStat(r->status)); }, done));
}

Status StartReadDirPlus(AsyncNfs& c, const Fh& dir, uint64_t cookie, const std::string& verifier,
                        uint32_t maxcount, std::function<void(const Status&, DirPage&&)> done) {
  READDIRPLUS3args a{};
  a.dir = WireFh(dir);
  a.cookie = cookie;
  std::memcpy(a.cookieverf, verifier.data(), std::min(verifier.size(), sizeof(a.cookieverf)));
  a.dircount = maxcount;
  a.maxcount = maxcount;
  return c.Start(
      Program::kNfs,
      [&a](rpc_context* rpc, rpc_cb cb, void* p) {
        return rpc_nfs3_readdirplus_async(rpc, cb, &a, p);
      },
      Typed<READDIRPLUS3res>(
          [done, cookie](READDIRPLUS3res* r) {
            DirPage page;
            if (r->status != NFS3_OK) {
              done(FromNfsStat(r->status), std::move(page));
              return;
            }
            const READDIRPLUS3resok& ok = r->READDIRPLUS3res_u.resok;
            page.verifier.assign(ok.cookieverf, sizeof(ok.cookieverf));
            page.eof = ok.reply.eof != 0;
            page.last_cookie = cookie;
            for (const entryplus3* e = ok.reply.entries; e != nullptr; e = e->nextentry) {
              page.last_cookie = e->cookie;
              if (std::strcmp(e->name, ".") == 0 || std::strcmp(e->name, "..") == 0) continue;
              ++page.entries;
              if (e->name_handle.handle_follows) {
                page.handles.push_back(FromWireFh(e->name_handle.post_op_fh3_u.handle));
              }
            }
            if (!page.eof && page.last_cookie == cookie) {
              done(IoError("READDIRPLUS: no progress and no eof"), std::move(page));
              return;
            }
            done(Status::Ok(), std::move(page));
          },
          [done](const Status& s) { done(s, DirPage()); }));
}

Result<TransferSizes> FsInfo(AsyncNfs& c, const Fh& root) {
  FSINFO3args a{};
  a.fsroot = WireFh(root);
  Status outcome;
  TransferSizes sizes;
  VOLUMED_RETURN_IF_ERROR(c.Call(
      Program::kNfs,
      [&a](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_fsinfo_async(rpc, cb, &a, p); },
      Typed<FSINFO3res>(
          [&](FSINFO3res* r) {
            outcome = FromNfsStat(r->status);
            if (!outcome.ok()) return;
            const FSINFO3resok& ok = r->FSINFO3res_u.resok;
            sizes = {ok.rtmax, ok.rtpref, ok.wtmax, ok.wtpref};
          },
          [&](const Status& s) { outcome = s; })));
  if (!outcome.ok()) return outcome;
  return sizes;
}

Status Sync(AsyncNfs& c, const std::function<Status(Done)>& start) {
  bool done = false;
  Status outcome;
  VOLUMED_RETURN_IF_ERROR(start([&](const Status& s) {
    done = true;
    outcome = s;
  }));
  while (!done) VOLUMED_RETURN_IF_ERROR(c.Pump(100));
  return outcome;
}

Result<Fh> LookupOrMkdir(AsyncNfs& c, const Fh& dir, const std::string& name) {
  Fh found;
  auto lookup = [&](Done d) {
    return StartLookup(c, dir, name, [&found, d](const Status& s, const Fh& fh, uint64_t) {
      found = fh;
      d(s);
    });
  };
  Status s = Sync(c, lookup);
  if (s.code() == Status::Code::kNotFound) {
    s = Sync(c, [&](Done d) { return StartMkdir(c, dir, name, d); });
    // Another client may have made it first.
    if (!s.ok() && s.code() != Status::Code::kExists) return s;
    s = Sync(c, lookup);
  }
  if (!s.ok()) return s;
  return found;
}

}  // namespace volumed::bench
