// Every NFSv3 procedure and MOUNT v3 procedure through libnfs's raw RPC API against a
// live volumed: success, and each error status the procedure can return here. (ROFS,
// ACCES by address, DQUOT/NOSPC need an export policy or quota set through the admin
// program; the handler unit tests cover ROFS and address ACCES.)
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "nfs3_fixture.h"

namespace volumed::testing {
namespace {

class Nfs3Procedures : public Nfs3Fixture {};

Fh BogusHandle(size_t len) { return {std::vector<char>(len, 7)}; }

TEST_F(Nfs3Procedures, NullAndGetattr) {
  bool ok = nfs_->Call<void>(
      [](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_null_async(rpc, cb, p); },
      [](void*) {});
  EXPECT_TRUE(ok);
  GETATTR3args a{};
  a.object = dir_.wire();
  EXPECT_EQ(Call<GETATTR3res>(rpc_nfs3_getattr_async, a,
                              [](GETATTR3res& r) {
                                EXPECT_EQ(r.GETATTR3res_u.resok.obj_attributes.type, NF3DIR);
                                EXPECT_EQ(r.GETATTR3res_u.resok.obj_attributes.uid, 1000u);
                                EXPECT_EQ(r.GETATTR3res_u.resok.obj_attributes.mode, 0755u);
                              }),
            NFS3_OK);
  Fh bad = BogusHandle(5);
  a.object = bad.wire();
  EXPECT_EQ(Call<GETATTR3res>(rpc_nfs3_getattr_async, a), NFS3ERR_BADHANDLE);
  Fh wrong_version = root_;
  wrong_version.bytes[0] = 42;
  a.object = wrong_version.wire();
  EXPECT_EQ(Call<GETATTR3res>(rpc_nfs3_getattr_async, a), NFS3ERR_BADHANDLE);
}

TEST_F(Nfs3Procedures, StaleAfterRemove) {
  Fh f = CreateOk(dir_, "gone");
  REMOVE3args r{};
  r.object = Where(dir_, "gone");
  EXPECT_EQ(Call<REMOVE3res>(rpc_nfs3_remove_async, r,
                             [](REMOVE3res& res) {
                               EXPECT_TRUE(res.REMOVE3res_u.resok.dir_wcc.before.attributes_follow);
                               EXPECT_TRUE(res.REMOVE3res_u.resok.dir_wcc.after.attributes_follow);
                             }),
            NFS3_OK);
  GETATTR3args a{};
  a.object = f.wire();
  EXPECT_EQ(Call<GETATTR3res>(rpc_nfs3_getattr_async, a), NFS3ERR_STALE);
  EXPECT_EQ(Call<REMOVE3res>(rpc_nfs3_remove_async, r), NFS3ERR_NOENT);
}

TEST_F(Nfs3Procedures, SetattrAndGuard) {
  Fh f = CreateOk(dir_, "s");
  SETATTR3args a{};
  a.object = f.wire();
  a.new_attributes.size.set_it = 1;
  a.new_attributes.size.set_size3_u.size = 12345;
  nfstime3 ctime{};
  EXPECT_EQ(Call<SETATTR3res>(rpc_nfs3_setattr_async, a,
                              [&](SETATTR3res& r) {
                                const wcc_data& w = r.SETATTR3res_u.resok.obj_wcc;
                                EXPECT_TRUE(w.before.attributes_follow);
                                EXPECT_EQ(w.before.pre_op_attr_u.attributes.size, 0u);
                                EXPECT_EQ(w.after.post_op_attr_u.attributes.size, 12345u);
                                ctime = w.after.post_op_attr_u.attributes.ctime;
                              }),
            NFS3_OK);
  a.guard.check = 1;
  a.guard.sattrguard3_u.obj_ctime = ctime;
  a.new_attributes.size.set_size3_u.size = 1;
  EXPECT_EQ(Call<SETATTR3res>(rpc_nfs3_setattr_async, a), NFS3_OK);
  // ctime moved with the last change: the old guard no longer matches.
  EXPECT_EQ(Call<SETATTR3res>(rpc_nfs3_setattr_async, a), NFS3ERR_NOT_SYNC);
  // Only root may chown: EPERM for uid 1000.
  SETATTR3args chown{};
  chown.object = f.wire();
  chown.new_attributes.uid.set_it = 1;
  chown.new_attributes.uid.set_uid3_u.uid = 0;
  EXPECT_EQ(Call<SETATTR3res>(rpc_nfs3_setattr_async, chown), NFS3ERR_PERM);
  // Truncating a directory is invalid.
  SETATTR3args dir_size{};
  dir_size.object = dir_.wire();
  dir_size.new_attributes.size.set_it = 1;
  EXPECT_NE(Call<SETATTR3res>(rpc_nfs3_setattr_async, dir_size), NFS3_OK);
}

TEST_F(Nfs3Procedures, LookupStatuses) {
  Fh f = CreateOk(dir_, "file");
  LOOKUP3args a{};
  a.what = Where(dir_, "file");
  EXPECT_EQ(Call<LOOKUP3res>(rpc_nfs3_lookup_async, a,
                             [&](LOOKUP3res& r) {
                               EXPECT_EQ(Fh::From(r.LOOKUP3res_u.resok.object), f);
                               EXPECT_TRUE(r.LOOKUP3res_u.resok.obj_attributes.attributes_follow);
                               EXPECT_TRUE(r.LOOKUP3res_u.resok.dir_attributes.attributes_follow);
                             }),
            NFS3_OK);
  a.what = Where(dir_, "missing");
  EXPECT_EQ(Call<LOOKUP3res>(rpc_nfs3_lookup_async, a,
                             [](LOOKUP3res& r) {
                               EXPECT_TRUE(r.LOOKUP3res_u.resfail.dir_attributes.attributes_follow);
                             }),
            NFS3ERR_NOENT);
  a.what = Where(f, "x");
  EXPECT_EQ(Call<LOOKUP3res>(rpc_nfs3_lookup_async, a), NFS3ERR_NOTDIR);
  a.what = Where(dir_, std::string(256, 'n'));
  EXPECT_EQ(Call<LOOKUP3res>(rpc_nfs3_lookup_async, a), NFS3ERR_NAMETOOLONG);
  a.what = Where(dir_, "..");
  EXPECT_EQ(Call<LOOKUP3res>(
                rpc_nfs3_lookup_async, a,
                [&](LOOKUP3res& r) { EXPECT_EQ(Fh::From(r.LOOKUP3res_u.resok.object), root_); }),
            NFS3_OK);
}

TEST_F(Nfs3Procedures, AccessIsTruthful) {
  Fh mine = CreateOk(dir_, "private", 0600);
  ACCESS3args a{};
  a.object = mine.wire();
  a.access = ACCESS3_READ | ACCESS3_MODIFY | ACCESS3_EXECUTE;
  EXPECT_EQ(Call<ACCESS3res>(rpc_nfs3_access_async, a,
                             [](ACCESS3res& r) {
                               EXPECT_EQ(r.ACCESS3res_u.resok.access,
                                         uint32_t{ACCESS3_READ | ACCESS3_MODIFY});
                             }),
            NFS3_OK);
  Connect(2000, 2000);  // another user
  a.object = mine.wire();
  EXPECT_EQ(Call<ACCESS3res>(rpc_nfs3_access_async, a,
                             [](ACCESS3res& r) { EXPECT_EQ(r.ACCESS3res_u.resok.access, 0u); }),
            NFS3_OK);
  READ3args rd{};
  rd.file = mine.wire();
  rd.count = 10;
  EXPECT_EQ(Call<READ3res>(rpc_nfs3_read_async, rd), NFS3ERR_ACCES);
  CREATE3args c{};
  c.where = Where(dir_, "intruder");  // dir_ is 0755, owned by uid 1000
  c.how.mode = UNCHECKED;
  EXPECT_EQ(Call<CREATE3res>(rpc_nfs3_create_async, c), NFS3ERR_ACCES);
}

TEST_F(Nfs3Procedures, SymlinkReadlink) {
  SYMLINK3args a{};
  a.where = Where(dir_, "ln");
  std::string target = "some/where";
  a.symlink.symlink_data = target.data();
  Fh ln;
  EXPECT_EQ(Call<SYMLINK3res>(rpc_nfs3_symlink_async, a,
                              [&](SYMLINK3res& r) {
                                ln = Fh::From(r.SYMLINK3res_u.resok.obj.post_op_fh3_u.handle);
                              }),
            NFS3_OK);
  READLINK3args r{};
  r.symlink = ln.wire();
  EXPECT_EQ(Call<READLINK3res>(rpc_nfs3_readlink_async, r,
                               [](READLINK3res& res) {
                                 EXPECT_STREQ(res.READLINK3res_u.resok.data, "some/where");
                               }),
            NFS3_OK);
  Fh f = CreateOk(dir_, "plain");
  r.symlink = f.wire();
  EXPECT_EQ(Call<READLINK3res>(rpc_nfs3_readlink_async, r), NFS3ERR_INVAL);
  EXPECT_EQ(Call<SYMLINK3res>(rpc_nfs3_symlink_async, a), NFS3ERR_EXIST);
}

TEST_F(Nfs3Procedures, ReadWriteCommit) {
  Fh f = CreateOk(dir_, "rw");
  std::string data(300000, 'q');
  WRITE3args w{};
  w.file = f.wire();
  w.offset = 0;
  w.count = static_cast<count3>(data.size());
  w.stable = UNSTABLE;
  w.data.data_len = w.count;
  w.data.data_val = data.data();
  std::string verf1;
  EXPECT_EQ(Call<WRITE3res>(rpc_nfs3_write_async, w,
                            [&](WRITE3res& r) {
                              EXPECT_EQ(r.WRITE3res_u.resok.count, data.size());
                              EXPECT_EQ(r.WRITE3res_u.resok.committed, UNSTABLE);
                              EXPECT_TRUE(r.WRITE3res_u.resok.file_wcc.before.attributes_follow);
                              verf1.assign(r.WRITE3res_u.resok.verf, 8);
                            }),
            NFS3_OK);
  w.stable = FILE_SYNC;
  w.offset = data.size();
  EXPECT_EQ(Call<WRITE3res>(rpc_nfs3_write_async, w,
                            [&](WRITE3res& r) {
                              EXPECT_EQ(r.WRITE3res_u.resok.committed, FILE_SYNC);
                              EXPECT_EQ(std::string(r.WRITE3res_u.resok.verf, 8), verf1);
                            }),
            NFS3_OK);
  COMMIT3args c{};
  c.file = f.wire();
  EXPECT_EQ(Call<COMMIT3res>(rpc_nfs3_commit_async, c,
                             [&](COMMIT3res& r) {
                               EXPECT_EQ(std::string(r.COMMIT3res_u.resok.verf, 8), verf1);
                             }),
            NFS3_OK);
  READ3args rd{};
  rd.file = f.wire();
  rd.offset = data.size() * 2 - 10;
  rd.count = 100;
  EXPECT_EQ(Call<READ3res>(rpc_nfs3_read_async, rd,
                           [](READ3res& r) {
                             EXPECT_EQ(r.READ3res_u.resok.count, 10u);
                             EXPECT_TRUE(r.READ3res_u.resok.eof);
                             EXPECT_EQ(std::string(r.READ3res_u.resok.data.data_val, 10),
                                       std::string(10, 'q'));
                           }),
            NFS3_OK);
  rd.file = dir_.wire();
  EXPECT_EQ(Call<READ3res>(rpc_nfs3_read_async, rd), NFS3ERR_ISDIR);
  w.file = dir_.wire();
  EXPECT_EQ(Call<WRITE3res>(rpc_nfs3_write_async, w), NFS3ERR_ISDIR);
}

TEST_F(Nfs3Procedures, CreateModes) {
  CreateOk(dir_, "g");
  CREATE3args a{};
  a.where = Where(dir_, "g");
  a.how.mode = GUARDED;
  EXPECT_EQ(Call<CREATE3res>(rpc_nfs3_create_async, a), NFS3ERR_EXIST);
  a.how.mode = UNCHECKED;
  EXPECT_EQ(Call<CREATE3res>(rpc_nfs3_create_async, a), NFS3_OK);
  a.where = Where(dir_, "x");
  a.how.mode = EXCLUSIVE;
  std::memcpy(a.how.createhow3_u.verf, "12345678", 8);
  Fh first;
  Fh again;
  EXPECT_EQ(Call<CREATE3res>(rpc_nfs3_create_async, a,
                             [&](CREATE3res& r) {
                               first = Fh::From(r.CREATE3res_u.resok.obj.post_op_fh3_u.handle);
                             }),
            NFS3_OK);
  EXPECT_EQ(Call<CREATE3res>(rpc_nfs3_create_async, a,
                             [&](CREATE3res& r) {
                               again = Fh::From(r.CREATE3res_u.resok.obj.post_op_fh3_u.handle);
                             }),
            NFS3_OK);
  EXPECT_EQ(first, again);
  std::memcpy(a.how.createhow3_u.verf, "87654321", 8);
  EXPECT_EQ(Call<CREATE3res>(rpc_nfs3_create_async, a), NFS3ERR_EXIST);
  a.where = Where(dir_, std::string(256, 'c'));
  EXPECT_EQ(Call<CREATE3res>(rpc_nfs3_create_async, a), NFS3ERR_NAMETOOLONG);
  a.where = Where(dir_, "a/b");
  EXPECT_EQ(Call<CREATE3res>(rpc_nfs3_create_async, a), NFS3ERR_INVAL);
  Fh f = CreateOk(dir_, "notdir");
  a.where = Where(f, "child");
  EXPECT_EQ(Call<CREATE3res>(rpc_nfs3_create_async, a), NFS3ERR_NOTDIR);
}

TEST_F(Nfs3Procedures, MkdirMknodRmdir) {
  Fh d = MkdirOk(dir_, "d");
  MKDIR3args m{};
  m.where = Where(dir_, "d");
  EXPECT_EQ(Call<MKDIR3res>(rpc_nfs3_mkdir_async, m), NFS3ERR_EXIST);
  MKNOD3args n{};
  n.where = Where(d, "fifo");
  n.what.type = NF3FIFO;
  EXPECT_EQ(Call<MKNOD3res>(rpc_nfs3_mknod_async, n), NFS3_OK);
  n.where = Where(d, "reg");
  n.what.type = NF3REG;
  EXPECT_EQ(Call<MKNOD3res>(rpc_nfs3_mknod_async, n), NFS3ERR_BADTYPE);
  RMDIR3args r{};
  r.object = Where(dir_, "d");
  EXPECT_EQ(Call<RMDIR3res>(rpc_nfs3_rmdir_async, r), NFS3ERR_NOTEMPTY);
  CreateOk(dir_, "f");
  r.object = Where(dir_, "f");
  EXPECT_EQ(Call<RMDIR3res>(rpc_nfs3_rmdir_async, r), NFS3ERR_NOTDIR);
  r.object = Where(dir_, ".");
  EXPECT_EQ(Call<RMDIR3res>(rpc_nfs3_rmdir_async, r), NFS3ERR_INVAL);
  REMOVE3args rm{};
  rm.object = Where(d, "fifo");
  EXPECT_EQ(Call<REMOVE3res>(rpc_nfs3_remove_async, rm), NFS3_OK);
  r.object = Where(dir_, "d");
  EXPECT_EQ(Call<RMDIR3res>(rpc_nfs3_rmdir_async, r), NFS3_OK);
  EXPECT_EQ(Call<RMDIR3res>(rpc_nfs3_rmdir_async, r), NFS3ERR_NOENT);
}

TEST_F(Nfs3Procedures, RenameAndLink) {
  Fh f = CreateOk(dir_, "a");
  Fh sub = MkdirOk(dir_, "sub");
  RENAME3args r{};
  r.from = Where(dir_, "a");
  r.to = Where(sub, "b");
  EXPECT_EQ(
      Call<RENAME3res>(rpc_nfs3_rename_async, r,
                       [](RENAME3res& res) {
                         EXPECT_TRUE(res.RENAME3res_u.resok.fromdir_wcc.before.attributes_follow);
                         EXPECT_TRUE(res.RENAME3res_u.resok.todir_wcc.after.attributes_follow);
                       }),
      NFS3_OK);
  EXPECT_EQ(Call<RENAME3res>(rpc_nfs3_rename_async, r), NFS3ERR_NOENT);
  r.from = Where(sub, "b");
  r.to = Where(dir_, "..");
  EXPECT_EQ(Call<RENAME3res>(rpc_nfs3_rename_async, r), NFS3ERR_INVAL);
  // A directory cannot move into itself.
  r.from = Where(dir_, "sub");
  r.to = Where(sub, "inside");
  EXPECT_EQ(Call<RENAME3res>(rpc_nfs3_rename_async, r), NFS3ERR_INVAL);
  // Renaming a directory over a non-empty directory.
  Fh full = MkdirOk(dir_, "full");
  CreateOk(full, "x");
  MkdirOk(dir_, "empty");
  r.from = Where(dir_, "empty");
  r.to = Where(dir_, "full");
  EXPECT_EQ(Call<RENAME3res>(rpc_nfs3_rename_async, r), NFS3ERR_NOTEMPTY);

  LINK3args l{};
  l.file = f.wire();
  l.link = Where(dir_, "hard");
  EXPECT_EQ(Call<LINK3res>(
                rpc_nfs3_link_async, l,
                [](LINK3res& res) {
                  EXPECT_EQ(res.LINK3res_u.resok.file_attributes.post_op_attr_u.attributes.nlink,
                            2u);
                }),
            NFS3_OK);
  EXPECT_EQ(Call<LINK3res>(rpc_nfs3_link_async, l), NFS3ERR_EXIST);
  l.file = sub.wire();
  l.link = Where(dir_, "dirlink");
  EXPECT_NE(Call<LINK3res>(rpc_nfs3_link_async, l), NFS3_OK);
  // Across volumes: XDEV.
  Fh other;
  ASSERT_EQ(Mount("/other", &other), MNT3_OK);
  l.file = f.wire();
  l.link = Where(other, "cross");
  EXPECT_EQ(Call<LINK3res>(rpc_nfs3_link_async, l), NFS3ERR_XDEV);
}

TEST_F(Nfs3Procedures, ReaddirAndReaddirplus) {
  std::set<std::string> want = {".", ".."};
  for (int i = 0; i < 50; ++i) {
    std::string name = "e" + std::to_string(i);
    CreateOk(dir_, name);
    want.insert(name);
  }
  std::multiset<std::string> seen;
  uint64_t cookie = 0;
  for (int calls = 0; calls < 500; ++calls) {
    READDIR3args a{};
    a.dir = dir_.wire();
    a.cookie = cookie;
    a.count = 400;
    bool eof = false;
    ASSERT_EQ(Call<READDIR3res>(rpc_nfs3_readdir_async, a,
                                [&](READDIR3res& r) {
                                  for (entry3* e = r.READDIR3res_u.resok.reply.entries; e;
                                       e = e->nextentry) {
                                    seen.insert(e->name);
                                    cookie = e->cookie;
                                  }
                                  eof = r.READDIR3res_u.resok.reply.eof;
                                }),
              NFS3_OK);
    if (eof) break;
  }
  EXPECT_EQ(seen.size(), want.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), want);

  READDIR3args tiny{};
  tiny.dir = dir_.wire();
  tiny.count = 50;
  EXPECT_EQ(Call<READDIR3res>(rpc_nfs3_readdir_async, tiny), NFS3ERR_TOOSMALL);
  Fh f = CreateOk(dir_, "plainfile");
  tiny.dir = f.wire();
  tiny.count = 4096;
  EXPECT_EQ(Call<READDIR3res>(rpc_nfs3_readdir_async, tiny), NFS3ERR_NOTDIR);

  READDIRPLUS3args p{};
  p.dir = dir_.wire();
  p.dircount = 4096;
  p.maxcount = 65536;
  size_t n = 0;
  EXPECT_EQ(Call<READDIRPLUS3res>(rpc_nfs3_readdirplus_async, p,
                                  [&](READDIRPLUS3res& r) {
                                    for (entryplus3* e = r.READDIRPLUS3res_u.resok.reply.entries; e;
                                         e = e->nextentry, ++n) {
                                      EXPECT_TRUE(e->name_attributes.attributes_follow);
                                      EXPECT_TRUE(e->name_handle.handle_follows);
                                    }
                                    EXPECT_TRUE(r.READDIRPLUS3res_u.resok.reply.eof);
                                  }),
            NFS3_OK);
  EXPECT_EQ(n, want.size() + 1);
}

TEST_F(Nfs3Procedures, FsstatFsinfoPathconf) {
  FSSTAT3args s{};
  s.fsroot = root_.wire();
  EXPECT_EQ(Call<FSSTAT3res>(rpc_nfs3_fsstat_async, s,
                             [](FSSTAT3res& r) {
                               EXPECT_GT(r.FSSTAT3res_u.resok.tbytes, 0u);
                               EXPECT_LE(r.FSSTAT3res_u.resok.abytes, r.FSSTAT3res_u.resok.tbytes);
                             }),
            NFS3_OK);
  FSINFO3args i{};
  i.fsroot = root_.wire();
  EXPECT_EQ(Call<FSINFO3res>(rpc_nfs3_fsinfo_async, i,
                             [](FSINFO3res& r) {
                               EXPECT_EQ(r.FSINFO3res_u.resok.rtmax, 1u << 20);
                               EXPECT_EQ(r.FSINFO3res_u.resok.wtmax, 1u << 20);
                               EXPECT_EQ(r.FSINFO3res_u.resok.time_delta.nseconds, 1u);
                               EXPECT_EQ(r.FSINFO3res_u.resok.properties, 0x1bu);
                             }),
            NFS3_OK);
  PATHCONF3args pc{};
  pc.object = root_.wire();
  EXPECT_EQ(
      Call<PATHCONF3res>(rpc_nfs3_pathconf_async, pc,
                         [](PATHCONF3res& r) { EXPECT_EQ(r.PATHCONF3res_u.resok.name_max, 255u); }),
      NFS3_OK);
  Fh bad = BogusHandle(40);
  i.fsroot = bad.wire();
  EXPECT_EQ(Call<FSINFO3res>(rpc_nfs3_fsinfo_async, i), NFS3ERR_BADHANDLE);
}

TEST_F(Nfs3Procedures, MountProcedures) {
  Fh fh;
  EXPECT_EQ(Mount("/missing", &fh), MNT3ERR_NOENT);
  EXPECT_EQ(Mount("/default", &fh), MNT3_OK);
  EXPECT_EQ(fh, root_);
  std::set<std::string> exported;
  ASSERT_TRUE(mnt_->Call<exports>(
      [](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_mount3_export_async(rpc, cb, p); },
      [&](exports* e) {
        for (exportnode* n = e ? *e : nullptr; n; n = n->ex_next) exported.insert(n->ex_dir);
      }));
  EXPECT_TRUE(exported.count("/default"));
  EXPECT_TRUE(exported.count("/other"));
  bool found = false;
  ASSERT_TRUE(mnt_->Call<mountlist>(
      [](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_mount3_dump_async(rpc, cb, p); },
      [&](mountlist* l) {
        for (mountbody* b = l ? *l : nullptr; b; b = b->ml_next) {
          if (std::string(b->ml_directory) == "/default") found = true;
        }
      }));
  EXPECT_TRUE(found);
  ASSERT_TRUE(mnt_->Call<void>(
      [](rpc_context* rpc, rpc_cb cb, void* p) {
        return rpc_mount3_umnt_async(rpc, cb, const_cast<char*>("/default"), p);
      },
      [](void*) {}));
  ASSERT_TRUE(mnt_->Call<void>(
      [](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_mount3_umntall_async(rpc, cb, p); },
      [](void*) {}));
}

std::string Output(const std::string& cmd) {
  std::string out;
  if (FILE* f = popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
    pclose(f);
  }
  return out;
}

// Stock tools find us through rpcbind: showmount (MOUNT v1/v3 EXPORT) and rpcinfo.
TEST_F(Nfs3Procedures, ShowmountAndRpcinfo) {
  if (std::system("command -v showmount >/dev/null 2>&1") != 0 ||
      std::system("command -v rpcinfo >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "showmount (nfs-common) or rpcinfo (rpcbind) not installed";
  }
  std::string exports = Output("showmount -e 127.0.0.1 2>&1");
  EXPECT_NE(exports.find("/default"), std::string::npos) << exports;
  EXPECT_NE(exports.find("/other"), std::string::npos) << exports;
  std::string programs = Output("rpcinfo -p 127.0.0.1 2>&1");
  EXPECT_NE(programs.find("100003    3   tcp"), std::string::npos) << programs;
  EXPECT_NE(programs.find("100005    3   udp"), std::string::npos) << programs;
  EXPECT_NE(programs.find("100005    1   tcp"), std::string::npos) << programs;
}

}  // namespace
}  // namespace volumed::testing
