// Pre-written logs (storage/log_sync_env.h) and where recovery ends them (log_tail.h), on
// real LevelDB logs in a real directory: a database is written through LogSyncEnv, its
// files are copied while it is open (what a kill leaves), the copy's log is cut as a
// crash cuts a write — the rest of the record reads as the zeros written ahead — and the
// copy is opened with paranoid checks, as volumed opens every database:
//  - the log really is pre-written (the file is longer than its records, zeros after),
//    and one without zeros after its records (appended) is read whole;
//  - a record cut inside a fragment, at a fragment boundary, or inside its header is
//    dropped (and how many bytes, which LogSyncEnv logs) and everything before it
//    recovered, where plain LevelDB reports corruption;
//  - damage in the middle of a log, with intact records after it, is still reported;
//  - recovery after the cut goes on writing and reopening as usual.
#include "storage/log_tail.h"

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/write_batch.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "storage/kv.h"
#include "support/temp_dir.h"

namespace volumed::storage {
namespace {

namespace fs = std::filesystem;

constexpr int kKeys = 40;
constexpr size_t kBigValue = 100000;  // the last record: FIRST, MIDDLE…, LAST fragments

std::string Value(int i) { return std::string(200 + i, static_cast<char>('a' + i % 26)); }

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

fs::path TheLog(const fs::path& dir) {
  std::vector<fs::path> logs;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".log") logs.push_back(e.path());
  }
  EXPECT_EQ(logs.size(), 1u);
  return logs.empty() ? fs::path() : logs.front();
}

// Where IntactLogLength ends `bytes`; `cut`: the bytes of a cut record it drops.
uint64_t IntactLength(const std::string& bytes, uint64_t* cut = nullptr) {
  uint64_t length = 0;
  const LogReadAt read = [&](uint64_t off, size_t n, char* out) {
    if (off + n > bytes.size()) return false;
    std::copy_n(bytes.data() + off, n, out);
    return true;
  };
  EXPECT_TRUE(IntactLogLength(read, bytes.size(), &length, cut));
  return length;
}

class LogTailTest : public ::testing::Test {
 protected:
  // Writes kKeys small records and then one big one through LogSyncEnv, syncing after
  // each, and keeps copies of the open database's directory after the small ones
  // (`before_`) and after the big one (`after_`).
  void SetUp() override {
    KvTuning tuning;  // one log for everything: 32 MiB of memtable
    factory_ = std::make_unique<KvFactory>(nullptr, tuning, 1 << 20);
    auto kv = factory_->Open(dir_.path() + "/db");
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    for (int i = 0; i < kKeys; ++i) Put(**kv, "k" + std::to_string(i), Value(i));
    Copy("before");
    Put(**kv, "big", std::string(kBigValue, 'z'));
    Copy("after");
    before_ = ReadAll(TheLog(dir_.path() + "/before"));
    after_ = ReadAll(TheLog(dir_.path() + "/after"));
    records_end_ = IntactLength(before_);
  }

  void Put(Kv& kv, const std::string& key, const std::string& value) {
    leveldb::WriteBatch b;
    b.Put(key, value);
    ASSERT_TRUE(kv.Write(&b, false).ok());
    ASSERT_TRUE(kv.SyncLog().ok());
  }

  void Copy(const std::string& name) {
    fs::copy(dir_.path() + "/db", dir_.path() + "/" + name, fs::copy_options::recursive);
    fs::remove(dir_.path() + "/" + name + "/LOCK");
  }

  // The "after" copy with its log's bytes from `cut` on zeroed (as far as the big record
  // reached): the big record's write stopped at `cut`.
  std::string CutAt(uint64_t cut) {
    const uint64_t big_end = IntactLength(after_);
    EXPECT_GT(big_end, cut);
    std::string log = after_;
    std::fill(log.begin() + static_cast<ptrdiff_t>(cut),
              log.begin() + static_cast<ptrdiff_t>(big_end), '\0');
    const fs::path dir = dir_.path() + "/cut" + std::to_string(cut);
    fs::copy(dir_.path() + "/after", dir, fs::copy_options::recursive);
    WriteAll(TheLog(dir), log);
    return dir.string();
  }

  // Opens `dir` with `env` (null: LogSyncEnv) and checks the small records are all there
  // and the big one is not.
  Status OpenAndCheck(const std::string& dir, leveldb::Env* env = nullptr) {
    KvFactory factory(env, KvTuning{}, 1 << 20);
    auto kv = factory.Open(dir);
    if (!kv.ok()) return kv.status();
    for (int i = 0; i < kKeys; ++i) {
      auto v = (*kv)->Get("k" + std::to_string(i));
      EXPECT_TRUE(v.ok() && v->has_value() && **v == Value(i)) << i;
    }
    auto big = (*kv)->Get("big");
    EXPECT_TRUE(big.ok() && !big->has_value());
    // The database goes on: a write, a reopen.
    Put(**kv, "later", "x");
    kv->reset();
    auto again = factory.Open(dir);
    EXPECT_TRUE(again.ok());
    if (again.ok()) {
      auto later = (*again)->Get("later");
      EXPECT_TRUE(later.ok() && later->has_value());
    }
    return Status::Ok();
  }

  volumed::testing::TempDir dir_;
  std::unique_ptr<KvFactory> factory_;
  std::string before_, after_;
  uint64_t records_end_ = 0;
};

TEST_F(LogTailTest, TheLogIsWrittenWithZerosAheadOfItsRecords) {
  EXPECT_GT(records_end_, uint64_t{kKeys} * 200);
  EXPECT_EQ(before_.size() % (uint64_t{1} << 20), 0u);
  ASSERT_GT(before_.size(), records_end_);
  EXPECT_EQ(before_.find_first_not_of('\0', records_end_), std::string::npos);
  // Without zeros after its records (appended, never synced), a log is read whole.
  EXPECT_EQ(IntactLength(before_.substr(0, records_end_ - 3)), records_end_ - 3);
  uint64_t dropped = 1;
  EXPECT_EQ(IntactLength(before_, &dropped), records_end_);
  EXPECT_EQ(dropped, 0u);  // zeros alone follow the records: nothing cut
  EXPECT_EQ(OpenAndCheck(dir_.path() + "/before").code(), Status::Code::kOk);
  EXPECT_GT(IntactLength(after_), records_end_ + kBigValue);
  // Closed (at the end of SetUp), the log keeps its records and not the zeros: an idle
  // volume's database holds its last log until it is opened again.
  EXPECT_EQ(fs::file_size(TheLog(dir_.path() + "/db")), IntactLength(after_));
}

TEST_F(LogTailTest, ARecordCutInsideAFragmentIsDroppedAndTheRestRecovered) {
  // A page boundary inside the big record's second block.
  const uint64_t cut = (records_end_ / 4096 + 10) * 4096;
  const std::string dir = CutAt(cut);
  uint64_t dropped = 0;
  const uint64_t end = IntactLength(ReadAll(TheLog(dir)), &dropped);
  EXPECT_EQ(end, (cut / kLogBlockSize) * kLogBlockSize);
  // What is dropped is said (LogSyncEnv logs it): the cut fragment's bytes up to the cut.
  EXPECT_GT(dropped, 0u);
  EXPECT_LE(dropped, cut - end);
  // Plain LevelDB finds the cut fragment's checksum wrong.
  const std::string plain_dir = dir + "-plain";
  fs::copy(dir, plain_dir, fs::copy_options::recursive);
  EXPECT_EQ(OpenAndCheck(plain_dir, leveldb::Env::Default()).code(), Status::Code::kCorruption);
  EXPECT_EQ(OpenAndCheck(dir).code(), Status::Code::kOk);
}

TEST_F(LogTailTest, ARecordCutAtAFragmentBoundaryIsDroppedAndTheRestRecovered) {
  const uint64_t cut = (records_end_ / kLogBlockSize + 1) * kLogBlockSize;
  const std::string dir = CutAt(cut);
  // Plain LevelDB reads the FIRST fragment, then zeros: "error in middle of record".
  const std::string plain_dir = dir + "-plain";
  fs::copy(dir, plain_dir, fs::copy_options::recursive);
  EXPECT_EQ(OpenAndCheck(plain_dir, leveldb::Env::Default()).code(), Status::Code::kCorruption);
  EXPECT_EQ(OpenAndCheck(dir).code(), Status::Code::kOk);
}

TEST_F(LogTailTest, ARecordCutInsideItsHeaderIsDroppedAndTheRestRecovered) {
  const std::string dir = CutAt(records_end_ + 4);  // only the checksum was written
  EXPECT_EQ(OpenAndCheck(dir).code(), Status::Code::kOk);
}

TEST_F(LogTailTest, DamageInTheMiddleOfALogIsStillReported) {
  std::string log = after_;
  log[records_end_ / 2] ^= 0x5a;  // a small record's bytes; intact records follow
  const fs::path dir = dir_.path() + "/damaged";
  fs::copy(dir_.path() + "/after", dir, fs::copy_options::recursive);
  WriteAll(TheLog(dir), log);
  uint64_t dropped = 1;
  EXPECT_EQ(IntactLength(log, &dropped), IntactLength(after_));  // only the zeros are cut off
  EXPECT_EQ(dropped, 0u);
  KvFactory factory(nullptr, KvTuning{}, 1 << 20);
  auto kv = factory.Open(dir.string());
  ASSERT_FALSE(kv.ok());
  EXPECT_EQ(kv.status().code(), Status::Code::kCorruption);
}

TEST(LogTailFormatTest, Crc32cIsLevelDbs) {
  // The CRC-32C check values of RFC 3720 (iSCSI), B.4.
  EXPECT_EQ(Crc32c(std::string(32, '\0').data(), 32), 0x8a9136aau);
  EXPECT_EQ(Crc32c(std::string(32, '\xff').data(), 32), 0x62a8ab43u);
  EXPECT_EQ(Crc32c("123456789", 9), 0xe3069283u);
}

TEST(LogTailFormatTest, AnEmptyOrAllZeroLogHasNoRecords) {
  EXPECT_EQ(IntactLength(""), 0u);
  EXPECT_EQ(IntactLength(std::string(3 * kLogBlockSize + 5, '\0')), 0u);
}

}  // namespace
}  // namespace volumed::storage
