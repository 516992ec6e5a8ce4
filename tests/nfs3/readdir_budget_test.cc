// The READDIR/READDIRPLUS size arithmetic must agree with the real XDR encoding, and the
// iterative list codec must produce exactly what rpcgen's recursive one does.
#include "nfs3/readdir_budget.h"

#include <gtest/gtest.h>
#include <rpc/rpc.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "nfs3/convert.h"
#include "nfs3/readdir_xdr.h"

namespace volumed::nfs3 {
namespace {

std::vector<char> Encode(xdrproc_t proc, void* obj) {
  std::vector<char> buf(8 << 20);
  XDR x;
  xdrmem_create(&x, buf.data(), static_cast<u_int>(buf.size()), XDR_ENCODE);
  EXPECT_TRUE(proc(&x, obj));
  buf.resize(xdr_getpos(&x));
  xdr_destroy(&x);
  return buf;
}

READDIR3res MakeReaddir(const std::vector<std::string>& names) {
  READDIR3res r{};
  r.status = NFS3_OK;
  SetPostOp(storage::Attributes{}, 1, &r.READDIR3res_u.resok.dir_attributes);
  entry3** tail = &r.READDIR3res_u.resok.reply.entries;
  uint64_t cookie = 3;
  for (const std::string& n : names) {
    auto* e = static_cast<entry3*>(std::calloc(1, sizeof(entry3)));
    e->fileid = cookie;
    e->cookie = cookie++;
    e->name = DupName(n);
    *tail = e;
    tail = &e->nextentry;
  }
  r.READDIR3res_u.resok.reply.eof = TRUE;
  return r;
}

TEST(ReaddirBudgetTest, EntrySizesMatchXdr) {
  for (size_t len : {1, 2, 3, 4, 5, 8, 13, 255}) {
    std::vector<std::string> one{std::string(len, 'x')};
    READDIR3res empty = MakeReaddir({});
    READDIR3res r = MakeReaddir(one);
    size_t base = Encode(reinterpret_cast<xdrproc_t>(XdrReaddirRes), &empty).size();
    size_t with = Encode(reinterpret_cast<xdrproc_t>(XdrReaddirRes), &r).size();
    EXPECT_EQ(base, kReaddirReplyOverhead) << "status + attrs + verf + end + eof";
    EXPECT_EQ(with - base, ReaddirEntrySize(len)) << len;
    xdr_free(reinterpret_cast<xdrproc_t>(XdrReaddirRes), reinterpret_cast<char*>(&r));
    xdr_free(reinterpret_cast<xdrproc_t>(XdrReaddirRes), reinterpret_cast<char*>(&empty));
  }
}

TEST(ReaddirBudgetTest, PlusEntrySizesMatchXdr) {
  for (bool with_attrs : {false, true}) {
    READDIRPLUS3res r{};
    r.status = NFS3_OK;
    SetPostOp(storage::Attributes{}, 1, &r.READDIRPLUS3res_u.resok.dir_attributes);
    size_t base = Encode(reinterpret_cast<xdrproc_t>(XdrReaddirplusRes), &r).size();
    auto* e = static_cast<entryplus3*>(std::calloc(1, sizeof(entryplus3)));
    e->name = DupName("hello");
    if (with_attrs) {
      SetPostOp(storage::Attributes{}, 1, &e->name_attributes);
      SetPostOpHandle(FileHandle{1, 2, {3, 4}}, &e->name_handle);
    }
    r.READDIRPLUS3res_u.resok.reply.entries = e;
    size_t with = Encode(reinterpret_cast<xdrproc_t>(XdrReaddirplusRes), &r).size();
    EXPECT_EQ(base, kReaddirReplyOverhead);
    EXPECT_EQ(with - base, ReaddirplusEntrySize(5, with_attrs, with_attrs));
    xdr_free(reinterpret_cast<xdrproc_t>(XdrReaddirplusRes), reinterpret_cast<char*>(&r));
  }
}

TEST(ReaddirBudgetTest, IterativeCodecMatchesRpcgenAndDecodes) {
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) names.push_back("name-" + std::to_string(i));
  READDIR3res r = MakeReaddir(names);
  auto ours = Encode(reinterpret_cast<xdrproc_t>(XdrReaddirRes), &r);
  auto theirs = Encode(reinterpret_cast<xdrproc_t>(xdr_READDIR3res), &r);
  EXPECT_EQ(ours, theirs);

  READDIR3res back{};
  XDR x;
  xdrmem_create(&x, ours.data(), static_cast<u_int>(ours.size()), XDR_DECODE);
  ASSERT_TRUE(XdrReaddirRes(&x, &back));
  xdr_destroy(&x);
  size_t n = 0;
  for (entry3* e = back.READDIR3res_u.resok.reply.entries; e != nullptr; e = e->nextentry, ++n) {
    EXPECT_EQ(std::string(e->name.filename3_val, e->name.filename3_len), names[n]);
  }
  EXPECT_EQ(n, names.size());
  EXPECT_TRUE(back.READDIR3res_u.resok.reply.eof);
  xdr_free(reinterpret_cast<xdrproc_t>(XdrReaddirRes), reinterpret_cast<char*>(&back));
  xdr_free(reinterpret_cast<xdrproc_t>(XdrReaddirRes), reinterpret_cast<char*>(&r));
}

TEST(ReaddirBudgetTest, LongListEncodesWithoutDeepRecursion) {
  // 200,000 entries would need ~600,000 nested frames with rpcgen's codec.
  std::vector<std::string> names(200000, "n");
  READDIR3res r = MakeReaddir(names);
  auto bytes = Encode(reinterpret_cast<xdrproc_t>(XdrReaddirRes), &r);
  EXPECT_EQ(bytes.size(), kReaddirReplyOverhead + names.size() * ReaddirEntrySize(1));
  xdr_free(reinterpret_cast<xdrproc_t>(XdrReaddirRes), reinterpret_cast<char*>(&r));
}

TEST(ReaddirBudgetTest, BudgetTakesOnlyWhatFits) {
  ByteBudget b(100, 60);
  EXPECT_TRUE(b.Fits(40));
  EXPECT_FALSE(b.Fits(41));
  b.Take(40);
  EXPECT_FALSE(b.Fits(1));
  EXPECT_TRUE(b.Fits(0));
  ByteBudget over(10, 20);  // overhead alone exceeds the limit
  EXPECT_FALSE(over.Fits(0));
}

}  // namespace
}  // namespace volumed::nfs3
