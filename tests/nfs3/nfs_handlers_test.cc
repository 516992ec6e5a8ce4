// NFSv3 handlers called directly with decoded arguments, over a real VolumeImpl on
// LevelDB's in-memory Env (through FakeCatalog).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <rpc/rpc.h>

#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fake_catalog.h"
#include "nfs3/convert.h"
#include "nfs3/handler_util.h"
#include "nfs3/handlers.h"
#include "nfs3/readdir_budget.h"
#include "nfs3/readdir_xdr.h"

namespace volumed::nfs3 {
namespace {

template <typename R>
struct Reply {
  explicit Reply(xdrproc_t proc) : proc(proc) {}
  ~Reply() { xdr_free(proc, reinterpret_cast<char*>(&r)); }
  R r{};
  xdrproc_t proc;
  R* operator->() { return &r; }
};
// A filename3 over caller-owned text (arguments are never freed by the handlers).
filename3 Name(const char* text) {
  filename3 n{};
  n.filename3_val = const_cast<char*>(text);
  n.filename3_len = static_cast<u_int>(std::strlen(text));
  return n;
}

#define REPLY(T) Reply<T##3res>(reinterpret_cast<xdrproc_t>(xdr_##T##3res))
// The status `handler` answers to `args`, for a procedure T (e.g. STATUS_OF(MKDIR, ...)).
#define STATUS_OF(T, handler, args) \
  StatusOf<T##3res>(handler, args, reinterpret_cast<xdrproc_t>(xdr_##T##3res))

class NfsHandlersTest : public ::testing::Test {
 protected:
  NfsHandlersTest() : service_(catalog_, 0x1122334455667788ULL) {
    auto& sin = reinterpret_cast<sockaddr_in&>(ctx_.peer);
    sin.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    ctx_.cred.flavor = AUTH_SYS;
    ctx_.cred.uid = 1000;
    ctx_.cred.gid = 1000;
    root_ = {catalog_.info.id, catalog_.info.epoch, catalog_.volume->Root()};
    // Let uid 1000 work in the root directory.
    storage::SetAttrRequest req;
    req.mode = 0777;
    storage::Wcc wcc;
    storage::Credentials root_cred;
    root_cred.uid = 0;
    root_cred.gid = 0;
    EXPECT_TRUE(catalog_.volume->SetAttr(root_cred, root_.inode, req, &wcc).ok());
  }

  nfs_fh3 Fh(const FileHandle& fh) {
    keep_.push_back(EncodeFileHandle(fh));
    nfs_fh3 out{};
    out.data.data_val = reinterpret_cast<char*>(keep_.back().data());
    out.data.data_len = kFileHandleSize;
    return out;
  }
  FileHandle FromWire(const nfs_fh3& fh) { return DecodeFileHandle(HandleBytes(fh)).value(); }

  FileHandle CreateFile(const FileHandle& dir, const char* name) {
    CREATE3args a{};
    a.where.dir = Fh(dir);
    a.where.name = Name(name);
    a.how.mode = UNCHECKED;
    a.how.createhow3_u.obj_attributes.mode.set_it = TRUE;
    a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0644;
    auto res = REPLY(CREATE);
    Create(service_, ctx_, a, res.r);
    EXPECT_EQ(res->status, NFS3_OK) << name;
    if (res->status != NFS3_OK) return {};
    EXPECT_TRUE(res->CREATE3res_u.resok.obj.handle_follows);
    EXPECT_TRUE(res->CREATE3res_u.resok.dir_wcc.before.attributes_follow);
    EXPECT_TRUE(res->CREATE3res_u.resok.dir_wcc.after.attributes_follow);
    return FromWire(res->CREATE3res_u.resok.obj.post_op_fh3_u.handle);
  }

  FileHandle Mkdir(const FileHandle& dir, const char* name) {
    MKDIR3args a{};
    a.where.dir = Fh(dir);
    a.where.name = Name(name);
    auto res = REPLY(MKDIR);
    nfs3::Mkdir(service_, ctx_, a, res.r);
    EXPECT_EQ(res->status, NFS3_OK) << name;
    if (res->status != NFS3_OK) return {};
    return FromWire(res->MKDIR3res_u.resok.obj.post_op_fh3_u.handle);
  }

  // Calls READDIRPLUS and returns its reply as a client decodes it (the handler may
  // answer with bytes encoded earlier, from the listing cache); `wire`, when given,
  // receives the encoded reply.
  std::unique_ptr<Reply<READDIRPLUS3res>> CallReaddirplus(const READDIRPLUS3args& a,
                                                          std::vector<char>* wire = nullptr) {
    ReaddirplusReply reply{};
    Readdirplus(service_, ctx_, a, reply);
    const auto encode = reinterpret_cast<xdrproc_t>(XdrReaddirplusReply);
    std::vector<char> bytes(xdr_sizeof(encode, &reply));
    XDR x;
    xdrmem_create(&x, bytes.data(), static_cast<u_int>(bytes.size()), XDR_ENCODE);
    EXPECT_TRUE(XdrReaddirplusReply(&x, &reply));
    xdr_destroy(&x);
    xdr_free(encode, reinterpret_cast<char*>(&reply));
    auto out =
        std::make_unique<Reply<READDIRPLUS3res>>(reinterpret_cast<xdrproc_t>(XdrReaddirplusRes));
    xdrmem_create(&x, bytes.data(), static_cast<u_int>(bytes.size()), XDR_DECODE);
    EXPECT_TRUE(XdrReaddirplusRes(&x, &out->r));
    xdr_destroy(&x);
    if (wire != nullptr) *wire = std::move(bytes);
    return out;
  }

  // SETATTR of the mode alone, which must succeed.
  void Chmod(const FileHandle& fh, uint32_t mode) {
    SETATTR3args a{};
    a.object = Fh(fh);
    a.new_attributes.mode.set_it = TRUE;
    a.new_attributes.mode.set_mode3_u.mode = mode;
    auto res = REPLY(SETATTR);
    Setattr(service_, ctx_, a, res.r);
    ASSERT_EQ(res->status, NFS3_OK);
  }

  nfsstat3 GetattrStatus(const nfs_fh3& fh) {
    GETATTR3args a{fh};
    auto res = REPLY(GETATTR);
    Getattr(service_, ctx_, a, res.r);
    return res->status;
  }

  // Calls `handler` with `a` and returns its reply's status (the reply is freed).
  template <typename Res, typename Args>
  nfsstat3 StatusOf(void (*handler)(NfsService&, const CallContext&, const Args&, Res&),
                    const Args& a, xdrproc_t free_reply) {
    Reply<Res> res(free_reply);
    handler(service_, ctx_, a, res.r);
    return res->status;
  }

  diropargs3 Where(const FileHandle& dir, const char* name) {
    diropargs3 where{};
    where.dir = Fh(dir);
    where.name = Name(name);
    return where;
  }

  // Lists `dir` with READDIR of `count` bytes per call; checks every reply's size.
  std::vector<std::string> ListAll(const FileHandle& dir, uint32_t count, int* calls) {
    std::vector<std::string> names;
    uint64_t cookie = 0;
    for (*calls = 0;; ++*calls) {
      READDIR3args a{};
      a.dir = Fh(dir);
      a.cookie = cookie;
      a.count = count;
      Reply<READDIR3res> res(reinterpret_cast<xdrproc_t>(XdrReaddirRes));
      Readdir(service_, ctx_, a, res.r);
      EXPECT_EQ(res->status, NFS3_OK);
      if (res->status != NFS3_OK) break;
      size_t size = xdr_sizeof(reinterpret_cast<xdrproc_t>(XdrReaddirRes), &res.r);
      EXPECT_LE(size, count);
      for (entry3* e = res->READDIR3res_u.resok.reply.entries; e; e = e->nextentry) {
        names.emplace_back(NameOf(e->name));
        cookie = e->cookie;
      }
      if (res->READDIR3res_u.resok.reply.eof) break;
    }
    return names;
  }

  testing::FakeCatalog catalog_;
  NfsService service_;
  rpc::CallContext ctx_;
  FileHandle root_;
  std::deque<EncodedHandle> keep_;
};

TEST_F(NfsHandlersTest, GetattrOfRoot) {
  GETATTR3args a{Fh(root_)};
  auto res = REPLY(GETATTR);
  Getattr(service_, ctx_, a, res.r);
  ASSERT_EQ(res->status, NFS3_OK);
  EXPECT_EQ(res->GETATTR3res_u.resok.obj_attributes.type, NF3DIR);
  EXPECT_EQ(res->GETATTR3res_u.resok.obj_attributes.fsid, catalog_.info.id);
}

TEST_F(NfsHandlersTest, BadHandleAndStale) {
  EncodedHandle bytes = EncodeFileHandle(root_);
  nfs_fh3 shorter{};
  shorter.data.data_val = reinterpret_cast<char*>(bytes.data());
  shorter.data.data_len = 31;
  EXPECT_EQ(GetattrStatus(shorter), NFS3ERR_BADHANDLE);
  FileHandle bad_version = root_;
  EncodedHandle v = EncodeFileHandle(bad_version);
  v[0] = 9;
  nfs_fh3 vfh{};
  vfh.data.data_val = reinterpret_cast<char*>(v.data());
  vfh.data.data_len = 32;
  EXPECT_EQ(GetattrStatus(vfh), NFS3ERR_BADHANDLE);

  FileHandle other_epoch = root_;
  other_epoch.volume_epoch += 1;
  EXPECT_EQ(GetattrStatus(Fh(other_epoch)), NFS3ERR_STALE);
  FileHandle other_volume = root_;
  other_volume.volume_id = 999;
  EXPECT_EQ(GetattrStatus(Fh(other_volume)), NFS3ERR_STALE);
  FileHandle no_inode = root_;
  no_inode.inode.ino = 123456;
  EXPECT_EQ(GetattrStatus(Fh(no_inode)), NFS3ERR_STALE);

  FileHandle f = CreateFile(root_, "f");
  FileHandle wrong_gen = f;
  wrong_gen.inode.generation += 1;
  EXPECT_EQ(GetattrStatus(Fh(wrong_gen)), NFS3ERR_STALE);

  REMOVE3args r{};
  r.object.dir = Fh(root_);
  r.object.name = Name("f");
  auto rres = REPLY(REMOVE);
  Remove(service_, ctx_, r, rres.r);
  ASSERT_EQ(rres->status, NFS3_OK);
  EXPECT_EQ(GetattrStatus(Fh(f)), NFS3ERR_STALE);

  catalog_.deleted = true;
  EXPECT_EQ(GetattrStatus(Fh(root_)), NFS3ERR_STALE);
}

TEST_F(NfsHandlersTest, ExportPolicyOnEveryRequest) {
  catalog_.info.policy.allowed_cidrs = {"10.0.0.0/8"};
  EXPECT_EQ(GetattrStatus(Fh(root_)), NFS3ERR_ACCES);
  catalog_.info.policy.allowed_cidrs = {"127.0.0.0/8"};
  EXPECT_EQ(GetattrStatus(Fh(root_)), NFS3_OK);

  catalog_.info.policy.read_only = true;
  CREATE3args a{};
  a.where.dir = Fh(root_);
  a.where.name = Name("x");
  a.how.mode = GUARDED;
  auto res = REPLY(CREATE);
  Create(service_, ctx_, a, res.r);
  EXPECT_EQ(res->status, NFS3ERR_ROFS);
  EXPECT_TRUE(res->CREATE3res_u.resfail.dir_wcc.after.attributes_follow);

  ACCESS3args acc{Fh(root_), ACCESS3_READ | ACCESS3_MODIFY | ACCESS3_LOOKUP};
  auto ares = REPLY(ACCESS);
  Access(service_, ctx_, acc, ares.r);
  ASSERT_EQ(ares->status, NFS3_OK);
  EXPECT_EQ(ares->ACCESS3res_u.resok.access, uint32_t{ACCESS3_READ | ACCESS3_LOOKUP});
}

TEST_F(NfsHandlersTest, RootIsSquashed) {
  catalog_.info.policy.squash = storage::Squash::kRoot;
  ctx_.cred.uid = 0;
  ctx_.cred.gid = 0;
  FileHandle f = CreateFile(root_, "owned");
  GETATTR3args a{Fh(f)};
  auto res = REPLY(GETATTR);
  Getattr(service_, ctx_, a, res.r);
  ASSERT_EQ(res->status, NFS3_OK);
  EXPECT_EQ(res->GETATTR3res_u.resok.obj_attributes.uid, 65534u);
}

TEST_F(NfsHandlersTest, NameChecks) {
  std::string long_name(256, 'a');
  CREATE3args a{};
  a.where.dir = Fh(root_);
  a.how.mode = UNCHECKED;
  const std::pair<std::string, nfsstat3> cases[] = {
      {long_name, NFS3ERR_NAMETOOLONG},
      {"a/b", NFS3ERR_INVAL},
      {".", NFS3ERR_EXIST},
      {"..", NFS3ERR_EXIST},
      {"", NFS3ERR_INVAL},
      {std::string("a\0b", 3), NFS3ERR_INVAL},  // a NUL is seen, not a cut-short "a"
  };
  for (const auto& [name, want] : cases) {
    a.where.name.filename3_val = const_cast<char*>(name.data());
    a.where.name.filename3_len = static_cast<u_int>(name.size());
    auto res = REPLY(CREATE);
    Create(service_, ctx_, a, res.r);
    EXPECT_EQ(res->status, want) << name;
  }
  std::string ok_name(255, 'b');
  a.where.name = Name(ok_name.c_str());
  auto res = REPLY(CREATE);
  Create(service_, ctx_, a, res.r);
  EXPECT_EQ(res->status, NFS3_OK);
}

TEST_F(NfsHandlersTest, WriteReadCommit) {
  FileHandle f = CreateFile(root_, "data");
  std::string payload(100000, 'z');
  WRITE3args w{};
  w.file = Fh(f);
  w.offset = 10;
  w.count = static_cast<count3>(payload.size());
  w.stable = UNSTABLE;
  w.data.data_len = static_cast<u_int>(payload.size());
  w.data.data_val = payload.data();
  auto wres = REPLY(WRITE);
  Write(service_, ctx_, w, wres.r);
  ASSERT_EQ(wres->status, NFS3_OK);
  EXPECT_EQ(wres->WRITE3res_u.resok.count, payload.size());
  EXPECT_EQ(wres->WRITE3res_u.resok.committed, UNSTABLE);
  EXPECT_EQ(std::string(wres->WRITE3res_u.resok.verf, 8),
            std::string("\x11\x22\x33\x44\x55\x66\x77\x88", 8));
  EXPECT_TRUE(wres->WRITE3res_u.resok.file_wcc.before.attributes_follow);
  EXPECT_EQ(wres->WRITE3res_u.resok.file_wcc.after.post_op_attr_u.attributes.size, 100010u);

  w.count = static_cast<count3>(payload.size() + 1);  // more declared than sent
  auto bad = REPLY(WRITE);
  Write(service_, ctx_, w, bad.r);
  EXPECT_EQ(bad->status, NFS3ERR_INVAL);

  COMMIT3args c{Fh(f), 0, 0};
  auto cres = REPLY(COMMIT);
  Commit(service_, ctx_, c, cres.r);
  ASSERT_EQ(cres->status, NFS3_OK);
  EXPECT_EQ(std::string(cres->COMMIT3res_u.resok.verf, 8),
            std::string(wres->WRITE3res_u.resok.verf, 8));

  READ3args r{Fh(f), 0, 200000};
  auto rres = REPLY(READ);
  Read(service_, ctx_, r, rres.r);
  ASSERT_EQ(rres->status, NFS3_OK);
  ASSERT_EQ(rres->READ3res_u.resok.count, 100010u);
  EXPECT_TRUE(rres->READ3res_u.resok.eof);
  std::string got(rres->READ3res_u.resok.data.data_val, rres->READ3res_u.resok.data.data_len);
  EXPECT_EQ(got, std::string(10, '\0') + payload);

  READ3args dir_read{Fh(root_), 0, 10};
  auto dres = REPLY(READ);
  Read(service_, ctx_, dir_read, dres.r);
  EXPECT_EQ(dres->status, NFS3ERR_ISDIR);
}

TEST_F(NfsHandlersTest, SetattrGuard) {
  FileHandle f = CreateFile(root_, "g");
  SETATTR3args a{};
  a.object = Fh(f);
  a.new_attributes.mode.set_it = TRUE;
  a.new_attributes.mode.set_mode3_u.mode = 0600;
  a.guard.check = TRUE;
  a.guard.sattrguard3_u.obj_ctime = {1, 2};
  auto res = REPLY(SETATTR);
  Setattr(service_, ctx_, a, res.r);
  EXPECT_EQ(res->status, NFS3ERR_NOT_SYNC);
  a.guard.check = FALSE;
  auto ok = REPLY(SETATTR);
  Setattr(service_, ctx_, a, ok.r);
  ASSERT_EQ(ok->status, NFS3_OK);
  EXPECT_EQ(ok->SETATTR3res_u.resok.obj_wcc.after.post_op_attr_u.attributes.mode, 0600u);
}

TEST_F(NfsHandlersTest, NamespaceErrors) {
  FileHandle d = Mkdir(root_, "d");
  CreateFile(d, "inner");
  RMDIR3args rm{};
  rm.object.dir = Fh(root_);
  rm.object.name = Name("d");
  auto res = REPLY(RMDIR);
  Rmdir(service_, ctx_, rm, res.r);
  EXPECT_EQ(res->status, NFS3ERR_NOTEMPTY);

  LOOKUP3args l{};
  l.what.dir = Fh(root_);
  l.what.name = Name("missing");
  auto lres = REPLY(LOOKUP);
  Lookup(service_, ctx_, l, lres.r);
  EXPECT_EQ(lres->status, NFS3ERR_NOENT);
  EXPECT_TRUE(lres->LOOKUP3res_u.resfail.dir_attributes.attributes_follow);

  FileHandle f = CreateFile(root_, "file");
  l.what.dir = Fh(f);
  l.what.name = Name("x");
  auto nres = REPLY(LOOKUP);
  Lookup(service_, ctx_, l, nres.r);
  EXPECT_EQ(nres->status, NFS3ERR_NOTDIR);

  LINK3args link{};
  link.file = Fh(f);
  link.link.dir = Fh(d);
  link.link.name = Name("hard");
  auto kres = REPLY(LINK);
  Link(service_, ctx_, link, kres.r);
  ASSERT_EQ(kres->status, NFS3_OK);
  EXPECT_EQ(kres->LINK3res_u.resok.file_attributes.post_op_attr_u.attributes.nlink, 2u);

  RENAME3args ren{};
  ren.from.dir = Fh(root_);
  ren.from.name = Name("file");
  ren.to.dir = Fh(d);
  ren.to.name = Name("moved");
  auto rres = REPLY(RENAME);
  Rename(service_, ctx_, ren, rres.r);
  ASSERT_EQ(rres->status, NFS3_OK);
  EXPECT_TRUE(rres->RENAME3res_u.resok.fromdir_wcc.before.attributes_follow);
  EXPECT_TRUE(rres->RENAME3res_u.resok.todir_wcc.after.attributes_follow);

  MKNOD3args mk{};
  mk.where.dir = Fh(root_);
  mk.where.name = Name("node");
  mk.what.type = NF3REG;
  auto mres = REPLY(MKNOD);
  Mknod(service_, ctx_, mk, mres.r);
  EXPECT_EQ(mres->status, NFS3ERR_BADTYPE);
  mk.what.type = NF3FIFO;
  auto fres = REPLY(MKNOD);
  Mknod(service_, ctx_, mk, fres.r);
  EXPECT_EQ(fres->status, NFS3_OK);
}

TEST_F(NfsHandlersTest, ExclusiveCreateIsRetrySafe) {
  CREATE3args a{};
  a.where.dir = Fh(root_);
  a.where.name = Name("lock");
  a.how.mode = EXCLUSIVE;
  std::memcpy(a.how.createhow3_u.verf, "verifier", 8);
  auto first = REPLY(CREATE);
  Create(service_, ctx_, a, first.r);
  ASSERT_EQ(first->status, NFS3_OK);
  auto retry = REPLY(CREATE);
  Create(service_, ctx_, a, retry.r);
  ASSERT_EQ(retry->status, NFS3_OK);
  EXPECT_EQ(FromWire(first->CREATE3res_u.resok.obj.post_op_fh3_u.handle),
            FromWire(retry->CREATE3res_u.resok.obj.post_op_fh3_u.handle));
  std::memcpy(a.how.createhow3_u.verf, "another!", 8);
  auto other = REPLY(CREATE);
  Create(service_, ctx_, a, other.r);
  EXPECT_EQ(other->status, NFS3ERR_EXIST);
}

TEST_F(NfsHandlersTest, ReaddirSmallBudgetsSeeEveryEntryOnce) {
  FileHandle d = Mkdir(root_, "many");
  std::set<std::string> want = {".", ".."};
  for (int i = 0; i < 300; ++i) {
    std::string name = "entry-" + std::to_string(i) + std::string(i % 7, 'x');
    CreateFile(d, name.c_str());
    want.insert(name);
  }
  for (uint32_t count : {300u, 512u, 4096u, 1u << 20}) {
    int calls = 0;
    std::vector<std::string> names = ListAll(d, count, &calls);
    std::multiset<std::string> seen(names.begin(), names.end());
    EXPECT_EQ(seen.size(), want.size()) << count;
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), want) << count;
    if (count == 300u) {
      EXPECT_GT(calls, 50);
    }
  }
  READDIR3args a{};
  a.dir = Fh(d);
  a.count = 100;  // not even the reply header fits
  Reply<READDIR3res> res(reinterpret_cast<xdrproc_t>(XdrReaddirRes));
  Readdir(service_, ctx_, a, res.r);
  EXPECT_EQ(res->status, NFS3ERR_TOOSMALL);
}

TEST_F(NfsHandlersTest, ReaddirplusHonoursBothBudgets) {
  FileHandle d = Mkdir(root_, "plus");
  for (int i = 0; i < 100; ++i) CreateFile(d, ("f" + std::to_string(i)).c_str());
  std::map<std::string, int> seen;
  uint64_t cookie = 0;
  const uint32_t dircount = 200;
  const uint32_t maxcount = 1500;
  for (int calls = 0; calls < 1000; ++calls) {
    READDIRPLUS3args a{};
    a.dir = Fh(d);
    a.cookie = cookie;
    a.dircount = dircount;
    a.maxcount = maxcount;
    auto reply = CallReaddirplus(a);
    Reply<READDIRPLUS3res>& res = *reply;
    ASSERT_EQ(res->status, NFS3_OK);
    EXPECT_LE(xdr_sizeof(reinterpret_cast<xdrproc_t>(XdrReaddirplusRes), &res.r), maxcount);
    size_t dir_bytes = 0;
    for (entryplus3* e = res->READDIRPLUS3res_u.resok.reply.entries; e; e = e->nextentry) {
      ++seen[std::string(NameOf(e->name))];
      cookie = e->cookie;
      dir_bytes += ReaddirEntrySize(e->name.filename3_len);
      EXPECT_TRUE(e->name_attributes.attributes_follow);
      ASSERT_TRUE(e->name_handle.handle_follows);
      EXPECT_EQ(FromWire(e->name_handle.post_op_fh3_u.handle).inode.ino, e->fileid);
    }
    EXPECT_LE(dir_bytes, dircount);
    if (res->READDIRPLUS3res_u.resok.reply.eof) break;
  }
  EXPECT_EQ(seen.size(), 102u);
  for (const auto& [name, n] : seen) EXPECT_EQ(n, 1) << name;
}

// `value` encoded with `encode`, as a call's arguments arrive on the wire.
std::vector<uint8_t> XdrBytes(xdrproc_t encode, void* value) {
  std::vector<uint8_t> bytes(xdr_sizeof(encode, value));
  XDR x;
  xdrmem_create(&x, reinterpret_cast<char*>(bytes.data()), static_cast<u_int>(bytes.size()),
                XDR_ENCODE);
  EXPECT_TRUE(encode(&x, value));
  xdr_destroy(&x);
  return bytes;
}

// READ runs on the reactor when idle only for at most 16 KiB (four blocks of the default
// size); a larger or unreadable READ goes to a worker (rpc/program.h, LightCall).
TEST(NfsProgramTest, OnlySmallReadsAreLight) {
  const rpc::Procedure* read = nullptr;
  for (const rpc::Procedure& p : NfsProcedures()) {
    if (p.number == NFSPROC3_READ) read = &p;
  }
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->runs, rpc::Runs::kReactorWhenIdle);
  ASSERT_NE(read->light, nullptr);
  auto args_of = [](uint32_t count) {
    std::vector<uint8_t> handle(kFileHandleSize, 7);
    READ3args a{};
    a.file.data.data_val = reinterpret_cast<char*>(handle.data());
    a.file.data.data_len = static_cast<u_int>(handle.size());
    a.offset = 1 << 20;
    a.count = count;
    return XdrBytes(reinterpret_cast<xdrproc_t>(xdr_READ3args), &a);
  };
  EXPECT_TRUE(read->light(args_of(4096)));
  EXPECT_TRUE(read->light(args_of(16384)));
  EXPECT_FALSE(read->light(args_of(16385)));
  EXPECT_FALSE(read->light(args_of(1 << 20)));
  std::vector<uint8_t> cut = args_of(4096);
  cut.resize(cut.size() - 1);
  EXPECT_FALSE(read->light(cut));
  std::vector<uint8_t> huge_handle = args_of(4096);
  huge_handle[3] = 65;  // handle length above NFS3_FHSIZE
  EXPECT_FALSE(read->light(huge_handle));
}

// WRITE, too, runs on the reactor when idle only for at most 16 KiB, and only when synced
// (UNSTABLE writes come in streams); small namespace changes always may (their wait for
// durability is not spent there).
TEST(NfsProgramTest, OnlySmallSyncedWritesAreLight) {
  const rpc::Procedure* write = nullptr;
  for (const rpc::Procedure& p : NfsProcedures()) {
    if (p.number == NFSPROC3_WRITE) write = &p;
    if (p.number == NFSPROC3_CREATE || p.number == NFSPROC3_REMOVE || p.number == NFSPROC3_MKDIR ||
        p.number == NFSPROC3_RMDIR) {
      EXPECT_EQ(p.runs, rpc::Runs::kReactorWhenIdle) << p.name;
      EXPECT_EQ(p.light, nullptr) << p.name;
    }
  }
  ASSERT_NE(write, nullptr);
  EXPECT_EQ(write->runs, rpc::Runs::kReactorWhenIdle);
  ASSERT_NE(write->light, nullptr);
  auto args_of = [](uint32_t count, stable_how stable = FILE_SYNC) {
    std::vector<uint8_t> handle(kFileHandleSize, 7);
    std::vector<char> data(count, 'x');
    WRITE3args a{};
    a.file.data.data_val = reinterpret_cast<char*>(handle.data());
    a.file.data.data_len = static_cast<u_int>(handle.size());
    a.offset = 1 << 20;
    a.count = count;
    a.stable = stable;
    a.data.data_val = data.data();
    a.data.data_len = count;
    return XdrBytes(reinterpret_cast<xdrproc_t>(xdr_WRITE3args), &a);
  };
  EXPECT_TRUE(write->light(args_of(4096)));
  EXPECT_TRUE(write->light(args_of(4096, DATA_SYNC)));
  EXPECT_TRUE(write->light(args_of(16384)));
  EXPECT_FALSE(write->light(args_of(4096, UNSTABLE)));
  EXPECT_FALSE(write->light(args_of(16385)));
  EXPECT_FALSE(write->light(args_of(1 << 20)));
  std::vector<uint8_t> cut = args_of(0);
  cut.resize(cut.size() - 8);  // ends before `stable`
  EXPECT_FALSE(write->light(cut));
}

// A repeated READDIRPLUS of an unchanged volume is answered from the listing cache with
// the same bytes; any change to the volume (here a child's mode, then a new name) is
// seen by the next listing.
TEST_F(NfsHandlersTest, ReaddirplusRepeatIsCachedUntilTheVolumeChanges) {
  FileHandle d = Mkdir(root_, "cached");
  FileHandle f = CreateFile(d, "a");
  READDIRPLUS3args a{};
  a.dir = Fh(d);
  a.dircount = 4096;
  a.maxcount = 8192;
  auto mode_of = [](const READDIRPLUS3res& r, const char* name) -> int64_t {
    for (entryplus3* e = r.READDIRPLUS3res_u.resok.reply.entries; e; e = e->nextentry) {
      if (std::string(NameOf(e->name)) == name) {
        return e->name_attributes.attributes_follow
                   ? e->name_attributes.post_op_attr_u.attributes.mode
                   : -1;
      }
    }
    return -2;  // not listed
  };
  std::vector<char> first_wire, second_wire;
  auto first = CallReaddirplus(a, &first_wire);
  ASSERT_EQ((*first)->status, NFS3_OK);
  EXPECT_EQ(mode_of(first->r, "a"), 0644);
  const uint64_t hits = service_.listings().stats().hits;
  auto second = CallReaddirplus(a, &second_wire);
  EXPECT_EQ(service_.listings().stats().hits, hits + 1);
  EXPECT_EQ(first_wire, second_wire);

  Chmod(f, 0600);
  auto third = CallReaddirplus(a);
  EXPECT_EQ(service_.listings().stats().hits, hits + 1);
  EXPECT_EQ(mode_of(third->r, "a"), 0600);

  CreateFile(d, "b");
  auto fourth = CallReaddirplus(a);
  EXPECT_EQ(mode_of(fourth->r, "b"), 0644);
  auto fifth = CallReaddirplus(a);
  EXPECT_EQ(service_.listings().stats().hits, hits + 2);
  EXPECT_EQ(mode_of(fifth->r, "b"), 0644);
}

// The cached bytes do not carry the permission to list: a caller who may not read the
// directory gets NFS3ERR_ACCES even when its listing is cached for its owner.
TEST_F(NfsHandlersTest, ReaddirplusCacheStillChecksReadPermission) {
  FileHandle d = Mkdir(root_, "private");
  CreateFile(d, "secret");
  Chmod(d, 0700);
  READDIRPLUS3args a{};
  a.dir = Fh(d);
  a.dircount = 4096;
  a.maxcount = 8192;
  ASSERT_EQ((*CallReaddirplus(a))->status, NFS3_OK);
  const uint64_t hits = service_.listings().stats().hits;
  ctx_.cred.uid = 2000;
  ctx_.cred.gid = 2000;
  EXPECT_EQ((*CallReaddirplus(a))->status, NFS3ERR_ACCES);
  ctx_.cred.uid = 1000;
  ctx_.cred.gid = 1000;
  EXPECT_EQ((*CallReaddirplus(a))->status, NFS3_OK);
  EXPECT_EQ(service_.listings().stats().hits, hits + 2);  // the owner's hit and the refused one's
}

// RFC 1813 §3.3.16: a cookie must come back with the verifier it was issued with. Ours is
// always zero (no cookie expires), so a non-zero one with a non-zero cookie was never
// issued: NFS3ERR_BAD_COOKIE, with the directory's attributes. Cookie 0 needs no verifier.
TEST_F(NfsHandlersTest, ReaddirCookieVerifierMismatchIsBadCookie) {
  FileHandle d = Mkdir(root_, "verified");
  for (int i = 0; i < 20; ++i) CreateFile(d, ("f" + std::to_string(i)).c_str());
  READDIR3args a{};
  a.dir = Fh(d);
  a.count = 300;  // a few entries per reply
  Reply<READDIR3res> first(reinterpret_cast<xdrproc_t>(XdrReaddirRes));
  Readdir(service_, ctx_, a, first.r);
  ASSERT_EQ(first->status, NFS3_OK);
  ASSERT_FALSE(first->READDIR3res_u.resok.reply.eof);
  const char zero[NFS3_COOKIEVERFSIZE] = {};
  EXPECT_EQ(std::memcmp(first->READDIR3res_u.resok.cookieverf, zero, sizeof(zero)), 0);
  uint64_t cookie = 0;
  for (entry3* e = first->READDIR3res_u.resok.reply.entries; e; e = e->nextentry) {
    cookie = e->cookie;
  }
  ASSERT_NE(cookie, 0u);

  a.cookie = cookie;
  std::memcpy(a.cookieverf, "not-ours", NFS3_COOKIEVERFSIZE);
  Reply<READDIR3res> bad(reinterpret_cast<xdrproc_t>(XdrReaddirRes));
  Readdir(service_, ctx_, a, bad.r);
  EXPECT_EQ(bad->status, NFS3ERR_BAD_COOKIE);
  EXPECT_TRUE(bad->READDIR3res_u.resfail.dir_attributes.attributes_follow);

  READDIRPLUS3args p{};
  p.dir = a.dir;
  p.cookie = cookie;
  std::memcpy(p.cookieverf, "not-ours", NFS3_COOKIEVERFSIZE);
  p.dircount = 4096;
  p.maxcount = 8192;
  auto bad_plus = CallReaddirplus(p);
  EXPECT_EQ((*bad_plus)->status, NFS3ERR_BAD_COOKIE);
  EXPECT_TRUE((*bad_plus)->READDIRPLUS3res_u.resfail.dir_attributes.attributes_follow);

  // The same cookie with the verifier we issued resumes the listing.
  std::memset(a.cookieverf, 0, NFS3_COOKIEVERFSIZE);
  Reply<READDIR3res> good(reinterpret_cast<xdrproc_t>(XdrReaddirRes));
  Readdir(service_, ctx_, a, good.r);
  ASSERT_EQ(good->status, NFS3_OK);
  ASSERT_NE(good->READDIR3res_u.resok.reply.entries, nullptr);
  EXPECT_GT(good->READDIR3res_u.resok.reply.entries->cookie, cookie);

  // Cookie 0 starts over whatever the verifier says.
  a.cookie = 0;
  std::memcpy(a.cookieverf, "not-ours", NFS3_COOKIEVERFSIZE);
  Reply<READDIR3res> restart(reinterpret_cast<xdrproc_t>(XdrReaddirRes));
  Readdir(service_, ctx_, a, restart.r);
  ASSERT_EQ(restart->status, NFS3_OK);
  ASSERT_NE(restart->READDIR3res_u.resok.reply.entries, nullptr);
  EXPECT_EQ(NameOf(restart->READDIR3res_u.resok.reply.entries->name), ".");
}

// A cookie we issued stays a valid position even when the entries after it are gone (the
// directory shrank): an empty list with eof, not BAD_COOKIE, so clients simply end there.
TEST_F(NfsHandlersTest, ReaddirCookiePastTheEndIsEof) {
  FileHandle d = Mkdir(root_, "shrinking");
  CreateFile(d, "a");
  CreateFile(d, "b");
  int calls = 0;
  ASSERT_EQ(ListAll(d, 1 << 20, &calls).size(), 4u);
  READDIR3args a{};
  a.dir = Fh(d);
  a.count = 4096;
  Reply<READDIR3res> all(reinterpret_cast<xdrproc_t>(XdrReaddirRes));
  Readdir(service_, ctx_, a, all.r);
  ASSERT_EQ(all->status, NFS3_OK);
  uint64_t after_a = 0;
  for (entry3* e = all->READDIR3res_u.resok.reply.entries; e; e = e->nextentry) {
    if (NameOf(e->name) == "a") after_a = e->cookie;
  }
  ASSERT_NE(after_a, 0u);
  REMOVE3args rm{Where(d, "b")};
  ASSERT_EQ(STATUS_OF(REMOVE, nfs3::Remove, rm), NFS3_OK);

  for (uint64_t cookie : {after_a, after_a + 1000, uint64_t{1} << 62}) {
    a.cookie = cookie;
    Reply<READDIR3res> res(reinterpret_cast<xdrproc_t>(XdrReaddirRes));
    Readdir(service_, ctx_, a, res.r);
    ASSERT_EQ(res->status, NFS3_OK) << cookie;
    EXPECT_EQ(res->READDIR3res_u.resok.reply.entries, nullptr) << cookie;
    EXPECT_TRUE(res->READDIR3res_u.resok.reply.eof) << cookie;
  }
}

TEST_F(NfsHandlersTest, FsinfoPathconfFsstat) {
  FSINFO3args a{Fh(root_)};
  auto res = REPLY(FSINFO);
  Fsinfo(service_, ctx_, a, res.r);
  ASSERT_EQ(res->status, NFS3_OK);
  const FSINFO3resok& ok = res->FSINFO3res_u.resok;
  EXPECT_EQ(ok.rtmax, 1u << 20);
  EXPECT_EQ(ok.wtmax, 1u << 20);
  EXPECT_EQ(ok.time_delta.seconds, 0u);
  EXPECT_EQ(ok.time_delta.nseconds, 1u);
  EXPECT_EQ(ok.properties, uint32_t{FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME});
  EXPECT_TRUE(ok.obj_attributes.attributes_follow);

  PATHCONF3args p{Fh(root_)};
  auto pres = REPLY(PATHCONF);
  Pathconf(service_, ctx_, p, pres.r);
  ASSERT_EQ(pres->status, NFS3_OK);
  EXPECT_EQ(pres->PATHCONF3res_u.resok.name_max, 255u);
  EXPECT_TRUE(pres->PATHCONF3res_u.resok.no_trunc);

  FSSTAT3args s{Fh(root_)};
  auto sres = REPLY(FSSTAT);
  Fsstat(service_, ctx_, s, sres.r);
  ASSERT_EQ(sres->status, NFS3_OK);
  EXPECT_LE(sres->FSSTAT3res_u.resok.abytes, sres->FSSTAT3res_u.resok.tbytes);
}

TEST_F(NfsHandlersTest, SymlinkAndReadlink) {
  SYMLINK3args a{};
  a.where.dir = Fh(root_);
  a.where.name = Name("ln");
  a.symlink.symlink_data = const_cast<char*>("target/path");
  auto res = REPLY(SYMLINK);
  Symlink(service_, ctx_, a, res.r);
  ASSERT_EQ(res->status, NFS3_OK);
  READLINK3args r{};
  r.symlink = res->SYMLINK3res_u.resok.obj.post_op_fh3_u.handle;
  auto rres = REPLY(READLINK);
  Readlink(service_, ctx_, r, rres.r);
  ASSERT_EQ(rres->status, NFS3_OK);
  EXPECT_STREQ(rres->READLINK3res_u.resok.data, "target/path");

  std::string too_long(4097, 'p');
  a.where.name = Name("ln2");
  a.symlink.symlink_data = too_long.data();
  auto lres = REPLY(SYMLINK);
  Symlink(service_, ctx_, a, lres.r);
  EXPECT_EQ(lres->status, NFS3ERR_NAMETOOLONG);
}

TEST_F(NfsHandlersTest, QuotaIsDquotAndFsstatReportsIt) {
  catalog_.volume->SetQuota({/*max_bytes=*/1 << 20, /*max_files=*/0});
  FileHandle f = CreateFile(root_, "q");
  std::string payload(600 << 10, 'd');  // two of these exceed the 1 MiB quota
  WRITE3args w{};
  w.file = Fh(f);
  w.count = static_cast<count3>(payload.size());
  w.stable = FILE_SYNC;
  w.data.data_len = w.count;
  w.data.data_val = payload.data();
  auto first = REPLY(WRITE);
  Write(service_, ctx_, w, first.r);
  ASSERT_EQ(first->status, NFS3_OK);
  w.offset = 4 << 20;
  auto over2 = REPLY(WRITE);
  Write(service_, ctx_, w, over2.r);
  EXPECT_EQ(over2->status, NFS3ERR_DQUOT);
  EXPECT_TRUE(over2->WRITE3res_u.resfail.file_wcc.after.attributes_follow);

  FSSTAT3args s{Fh(root_)};
  auto sres = REPLY(FSSTAT);
  Fsstat(service_, ctx_, s, sres.r);
  ASSERT_EQ(sres->status, NFS3_OK);
  EXPECT_EQ(sres->FSSTAT3res_u.resok.tbytes, 1u << 20);
  EXPECT_LT(sres->FSSTAT3res_u.resok.abytes, 1u << 20);

  catalog_.volume->SetQuota({0, /*max_files=*/1});
  CREATE3args c{};
  c.where.dir = Fh(root_);
  c.where.name = Name("one-too-many");
  c.how.mode = UNCHECKED;
  auto cres = REPLY(CREATE);
  Create(service_, ctx_, c, cres.r);
  EXPECT_EQ(cres->status, NFS3ERR_DQUOT);
}

TEST_F(NfsHandlersTest, ReadOnlyExportRefusesEveryMutation) {
  FileHandle f = CreateFile(root_, "ro-file");
  FileHandle d = Mkdir(root_, "ro-dir");
  catalog_.info.policy.read_only = true;
  char target[] = "t";
  std::string data = "x";
  const std::vector<std::pair<const char*, std::function<nfsstat3()>>> mutations = {
      {"SETATTR",
       [&] {
         SETATTR3args a{};
         a.object = Fh(f);
         return STATUS_OF(SETATTR, nfs3::Setattr, a);
       }},
      {"WRITE",
       [&] {
         WRITE3args a{};
         a.file = Fh(f);
         a.count = 1;
         a.data.data_len = 1;
         a.data.data_val = data.data();
         return STATUS_OF(WRITE, nfs3::Write, a);
       }},
      {"CREATE",
       [&] {
         CREATE3args a{};
         a.where = Where(root_, "new");
         return STATUS_OF(CREATE, nfs3::Create, a);
       }},
      {"MKDIR",
       [&] {
         MKDIR3args a{};
         a.where = Where(root_, "new");
         return STATUS_OF(MKDIR, nfs3::Mkdir, a);
       }},
      {"SYMLINK",
       [&] {
         SYMLINK3args a{};
         a.where = Where(root_, "new");
         a.symlink.symlink_data = target;
         return STATUS_OF(SYMLINK, nfs3::Symlink, a);
       }},
      {"MKNOD",
       [&] {
         MKNOD3args a{};
         a.where = Where(root_, "new");
         a.what.type = NF3FIFO;
         return STATUS_OF(MKNOD, nfs3::Mknod, a);
       }},
      {"REMOVE",
       [&] {
         REMOVE3args a{Where(root_, "ro-file")};
         return STATUS_OF(REMOVE, nfs3::Remove, a);
       }},
      {"RMDIR",
       [&] {
         RMDIR3args a{Where(root_, "ro-dir")};
         return STATUS_OF(RMDIR, nfs3::Rmdir, a);
       }},
      {"RENAME",
       [&] {
         RENAME3args a{Where(root_, "ro-file"), Where(d, "new")};
         return STATUS_OF(RENAME, nfs3::Rename, a);
       }},
      {"LINK",
       [&] {
         LINK3args a{Fh(f), Where(d, "new")};
         return STATUS_OF(LINK, nfs3::Link, a);
       }},
  };
  for (const auto& [what, call] : mutations) EXPECT_EQ(call(), NFS3ERR_ROFS) << what;
  // Reads still work.
  READ3args rd{Fh(f), 0, 10};
  EXPECT_EQ(STATUS_OF(READ, nfs3::Read, rd), NFS3_OK);
}

}  // namespace
}  // namespace volumed::nfs3
