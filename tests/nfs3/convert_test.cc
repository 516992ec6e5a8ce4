#include "nfs3/convert.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace volumed::nfs3 {
namespace {

using C = Status::Code;

TEST(ConvertTest, EveryStatusMapsToItsNfsStat) {
  const std::pair<C, nfsstat3> expected[] = {
      {C::kOk, NFS3_OK},
      {C::kNotFound, NFS3ERR_NOENT},
      {C::kExists, NFS3ERR_EXIST},
      {C::kNotDir, NFS3ERR_NOTDIR},
      {C::kIsDir, NFS3ERR_ISDIR},
      {C::kNotEmpty, NFS3ERR_NOTEMPTY},
      {C::kNameTooLong, NFS3ERR_NAMETOOLONG},
      {C::kInvalidArgument, NFS3ERR_INVAL},
      {C::kAccessDenied, NFS3ERR_ACCES},
      {C::kNotPermitted, NFS3ERR_PERM},
      {C::kStale, NFS3ERR_STALE},
      {C::kBadHandle, NFS3ERR_BADHANDLE},
      {C::kNoSpace, NFS3ERR_NOSPC},
      {C::kQuotaExceeded, NFS3ERR_DQUOT},
      {C::kReadOnly, NFS3ERR_ROFS},
      {C::kTooLarge, NFS3ERR_FBIG},
      {C::kNotSupported, NFS3ERR_NOTSUPP},
      {C::kNotSync, NFS3ERR_NOT_SYNC},
      {C::kCrossDevice, NFS3ERR_XDEV},
      {C::kTooManyLinks, NFS3ERR_MLINK},
      {C::kBadType, NFS3ERR_BADTYPE},
      {C::kBusy, NFS3ERR_JUKEBOX},
      {C::kIoError, NFS3ERR_IO},
      {C::kCorruption, NFS3ERR_IO},
      {C::kInternal, NFS3ERR_SERVERFAULT},
  };
  for (auto [code, stat] : expected) EXPECT_EQ(ToNfsStat(code), stat) << CodeName(code);
}

TEST(ConvertTest, TransientFaultsAreNeverStale) {
  EXPECT_NE(ToNfsStat(C::kBusy), NFS3ERR_STALE);
  EXPECT_NE(ToNfsStat(C::kIoError), NFS3ERR_STALE);
  EXPECT_NE(ToNfsStat(C::kCorruption), NFS3ERR_STALE);
}

TEST(ConvertTest, FattrCarriesEveryField) {
  storage::Attributes a;
  a.type = storage::FileType::kCharDevice;
  a.mode = 0104755;  // type bits beyond 07777 are dropped
  a.nlink = 3;
  a.uid = 1000;
  a.gid = 100;
  a.size = 1ULL << 40;
  a.used = 4096;
  a.rdev_major = 8;
  a.rdev_minor = 1;
  a.fileid = 77;
  a.atime = {10, 1};
  a.mtime = {20, 2};
  a.ctime = {30, 999999999};
  fattr3 f{};
  ToFattr(a, 42, &f);
  EXPECT_EQ(f.type, NF3CHR);
  EXPECT_EQ(f.mode, 04755u);
  EXPECT_EQ(f.nlink, 3u);
  EXPECT_EQ(f.uid, 1000u);
  EXPECT_EQ(f.gid, 100u);
  EXPECT_EQ(f.size, 1ULL << 40);
  EXPECT_EQ(f.used, 4096u);
  EXPECT_EQ(f.rdev.specdata1, 8u);
  EXPECT_EQ(f.rdev.specdata2, 1u);
  EXPECT_EQ(f.fsid, 42u);
  EXPECT_EQ(f.fileid, 77u);
  EXPECT_EQ(f.mtime.seconds, 20u);
  EXPECT_EQ(f.ctime.nseconds, 999999999u);
}

TEST(ConvertTest, WccWithAndWithoutBefore) {
  storage::Wcc wcc;
  wcc_data out{};
  ToWcc(wcc, 1, &out);
  EXPECT_FALSE(out.before.attributes_follow);
  EXPECT_FALSE(out.after.attributes_follow);
  wcc.before = storage::WccAttr{5, {1, 2}, {3, 4}};
  wcc.after = storage::Attributes{};
  wcc.after->size = 9;
  ToWcc(wcc, 1, &out);
  ASSERT_TRUE(out.before.attributes_follow);
  EXPECT_EQ(out.before.pre_op_attr_u.attributes.size, 5u);
  EXPECT_EQ(out.before.pre_op_attr_u.attributes.ctime.nseconds, 4u);
  ASSERT_TRUE(out.after.attributes_follow);
  EXPECT_EQ(out.after.post_op_attr_u.attributes.size, 9u);
}

TEST(ConvertTest, SattrToRequest) {
  sattr3 s{};
  s.mode.set_it = TRUE;
  s.mode.set_mode3_u.mode = 0644;
  s.size.set_it = TRUE;
  s.size.set_size3_u.size = 0;
  s.atime.set_it = SET_TO_SERVER_TIME;
  s.mtime.set_it = SET_TO_CLIENT_TIME;
  s.mtime.set_mtime_u.mtime = {100, 5};
  storage::SetAttrRequest req = FromSattr(s);
  EXPECT_EQ(req.mode, 0644u);
  EXPECT_FALSE(req.uid.has_value());
  EXPECT_FALSE(req.gid.has_value());
  EXPECT_EQ(req.size, 0u);
  EXPECT_EQ(req.atime_how, storage::TimeHow::kServerTime);
  EXPECT_EQ(req.mtime_how, storage::TimeHow::kClientTime);
  EXPECT_EQ(req.mtime, (storage::Timespec{100, 5}));
}

TEST(ConvertTest, HandleBytesRoundTrip) {
  nfs_fh3 fh{};
  FileHandle in{9, 8, {7, 6}};
  SetHandle(in, &fh);
  auto out = DecodeFileHandle(HandleBytes(fh));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, in);
  std::free(fh.data.data_val);
}

}  // namespace
}  // namespace volumed::nfs3
