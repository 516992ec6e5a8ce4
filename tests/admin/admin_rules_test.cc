// Pure rules of the admin program: the Status → adm_status map, CIDR and name checks.
#include <gtest/gtest.h>

#include "admin/cidr.h"
#include "admin/status_map.h"
#include "admin/volume_name.h"

namespace volumed::admin {
namespace {

TEST(StatusMap, OnlyOkIsOk) {
  for (int c = 0; c <= static_cast<int>(Status::Code::kInternal); ++c) {
    const auto code = static_cast<Status::Code>(c);
    EXPECT_EQ(ToAdmStatus(code) == ADM_OK, code == Status::Code::kOk) << c;
  }
  EXPECT_EQ(ToAdmStatus(Status::Code::kNotFound), ADM_ERR_NOENT);
  EXPECT_EQ(ToAdmStatus(Status::Code::kExists), ADM_ERR_EXIST);
  EXPECT_EQ(ToAdmStatus(Status::Code::kInvalidArgument), ADM_ERR_INVAL);
  EXPECT_EQ(ToAdmStatus(Status::Code::kNotPermitted), ADM_ERR_PERM);
  EXPECT_EQ(ToAdmStatus(Status::Code::kBusy), ADM_ERR_BUSY);
  EXPECT_EQ(ToAdmStatus(Status::Code::kCorruption), ADM_ERR_CORRUPT);
  EXPECT_EQ(ToAdmStatus(Status::Code::kInternal), ADM_ERR_SERVERFAULT);
}

TEST(Cidr, AcceptsAddressesAndPrefixes) {
  for (const char* ok : {"127.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "192.168.1.7/32", "::1",
                         "fd00::/8", "2001:db8::/128"}) {
    EXPECT_TRUE(ValidateCidr(ok).ok()) << ok;
  }
}

TEST(Cidr, RejectsWithAMessageNamingTheEntry) {
  for (const char* bad : {"", "10.0.0.0/33", "10.0.0/8", "10.0.0.0/", "10.0.0.0/8x", "fd00::/129",
                          "host.example", "10.0.0.0/-1", "1.2.3.4/08/1"}) {
    const Status s = ValidateCidr(bad);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("is not a CIDR"), std::string::npos) << bad;
  }
}

TEST(VolumeName, Rule) {
  EXPECT_TRUE(ValidateVolumeName("a").ok());
  EXPECT_TRUE(ValidateVolumeName("Data_set-1.v2").ok());
  EXPECT_TRUE(ValidateVolumeName(std::string(64, 'x')).ok());
  EXPECT_FALSE(ValidateVolumeName(std::string(65, 'x')).ok());
  for (const char* bad : {"", ".", "..", ".a", "-a", "a/b", "a b", "a\\b", "é"}) {
    EXPECT_EQ(ValidateVolumeName(bad).code(), Status::Code::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace volumed::admin
