// The RADOS store's FSSTAT figures from the monitors' "df" answer (rados_capacity.h), on
// answers captured from Ceph 16 — with a mgr reporting, and before it has.
#include "storage/rados/rados_capacity.h"

#include <gtest/gtest.h>

namespace volumed::storage::rados {
namespace {

// `ceph df -f json` of the test cluster (one memstore OSD of 1 GiB, pool size 1).
constexpr const char* kDf =
    R"({"stats":{"total_bytes":1073741824,"total_avail_bytes":1073723623,"total_used_bytes":18201,)"
    R"("total_used_raw_bytes":18201,"num_osds":1},"pools":[)"
    R"({"name":"volumed","id":1,"stats":{"stored":52428800,"objects":12,"kb_used":51200,)"
    R"("bytes_used":52428800,"percent_used":0.05,"max_avail":967607488}},)"
    R"({"name":"device_health_metrics","id":2,"stats":{"stored":0,"objects":0,"kb_used":0,)"
    R"("bytes_used":0,"percent_used":0,"max_avail":1020036288}}]})";

TEST(RadosCapacity, ThePoolIsWhatItStoresPlusWhatItMayStillStore) {
  Result<StoreSpace> s = PoolSpaceFromDf(kDf, "volumed");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->total_bytes, 52428800u + 967607488u);
  EXPECT_EQ(s->avail_bytes, 967607488u);
  s = PoolSpaceFromDf(kDf, "device_health_metrics");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->total_bytes, 1020036288u);
}

TEST(RadosCapacity, NoFiguresMeansUnknown) {
  // Before a mgr has reported, every figure is 0.
  const char* empty = R"({"stats":{"total_bytes":0},"pools":[{"name":"volumed","id":1,)"
                      R"("stats":{"stored":0,"objects":0,"max_avail":0}}]})";
  EXPECT_EQ(PoolSpaceFromDf(empty, "volumed").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(PoolSpaceFromDf(kDf, "other").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(PoolSpaceFromDf("not json", "volumed").status().code(), Status::Code::kIoError);
  EXPECT_EQ(PoolSpaceFromDf(R"({"pools": 3})", "volumed").status().code(), Status::Code::kIoError);
  const char* negative = R"({"pools":[{"name":"volumed","stats":{"stored":-1,"max_avail":5}}]})";
  EXPECT_FALSE(PoolSpaceFromDf(negative, "volumed").ok());
}

}  // namespace
}  // namespace volumed::storage::rados
