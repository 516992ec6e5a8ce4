// Pure rules of the admin program: the Status → adm_status map, the volume-name rule it
// checks before the catalog does (storage/volume_name.h), and the address to mount of a
// gateway's service address.
#include <gtest/gtest.h>

#include "admin/placement.h"
#include "admin/status_map.h"
#include "storage/catalog.h"
#include "storage/volume_name.h"

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
  EXPECT_EQ(ToAdmStatus(Status::Code::kElsewhere), ADM_ERR_ELSEWHERE);
  EXPECT_EQ(ToAdmStatus(Status::Code::kCorruption), ADM_ERR_CORRUPT);
  EXPECT_EQ(ToAdmStatus(Status::Code::kInternal), ADM_ERR_SERVERFAULT);
}

TEST(VolumeName, Rule) {
  EXPECT_TRUE(storage::ValidateVolumeName("a").ok());
  EXPECT_TRUE(storage::ValidateVolumeName("Data_set-1.v2").ok());
  EXPECT_TRUE(storage::ValidateVolumeName(std::string(64, 'x')).ok());
  EXPECT_FALSE(storage::ValidateVolumeName(std::string(65, 'x')).ok());
  for (const char* bad : {"", ".", "..", ".a", "-a", "a/b", "a b", "a\\b", "é"}) {
    EXPECT_EQ(storage::ValidateVolumeName(bad).code(), Status::Code::kInvalidArgument) << bad;
  }
}

TEST(ServiceAddressHost, IsTheServiceAddressWithoutItsPrefixLength) {
  EXPECT_EQ(storage::ServiceAddressHost("10.77.0.11/24"), "10.77.0.11");
  EXPECT_EQ(storage::ServiceAddressHost("10.77.0.11"), "10.77.0.11");
  EXPECT_EQ(storage::ServiceAddressHost("fd00::11/64"), "fd00::11");
  EXPECT_EQ(storage::ServiceAddressHost(""), "");
}

}  // namespace
}  // namespace volumed::admin
