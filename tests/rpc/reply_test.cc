// Reply: results encoded with their long opaque parts referenced, not copied — the bytes
// (flat, and gathered from every offset) match libtirpc's own encoding, short parts are
// copied, a failing encoder leaves the reply as it was, and the record mark counts the
// referenced bytes.
#include "rpc/reply.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/big_endian.h"

namespace volumed::rpc {
namespace {

// A result shaped like READ3resok: words, an opaque, a word after it.
struct TestResult {
  u_int before = 7;
  char* data = nullptr;
  u_int len = 0;
  u_int after = 9;
  bool fail_after = false;  // the encoder fails after the opaque
};

bool_t EncodeTestResult(XDR* xdrs, TestResult* r) {
  if (!xdr_u_int(xdrs, &r->before)) return FALSE;
  if (!xdr_bytes(xdrs, &r->data, &r->len, ~0u)) return FALSE;
  if (r->fail_after) return FALSE;
  return xdr_u_int(xdrs, &r->after);
}

// libtirpc's encoding of `r` into one buffer.
std::vector<uint8_t> Reference(TestResult* r) {
  std::vector<uint8_t> out(16 + r->len + 4);
  XDR xdrs;
  xdrmem_create(&xdrs, reinterpret_cast<char*>(out.data()), static_cast<u_int>(out.size()),
                XDR_ENCODE);
  EXPECT_TRUE(EncodeTestResult(&xdrs, r));
  out.resize(xdr_getpos(&xdrs));
  xdr_destroy(&xdrs);
  return out;
}

std::vector<uint8_t> Concat(std::span<const iovec> parts) {
  std::vector<uint8_t> out;
  for (const iovec& p : parts) {
    const auto* base = static_cast<const uint8_t*>(p.iov_base);
    out.insert(out.end(), base, base + p.iov_len);
  }
  return out;
}

const std::vector<uint8_t> kHeader = {0, 0, 0, 0, 1, 2, 3, 4};  // slot + one word

class ReplyTest : public ::testing::Test {
 protected:
  // Appends `r` to a reply holding kHeader.
  Reply Encode(TestResult* r) {
    Reply reply(kHeader);
    EXPECT_TRUE(reply.AppendXdr(reinterpret_cast<xdrproc_t>(EncodeTestResult), r));
    return reply;
  }
  std::vector<uint8_t> Expected(TestResult* r) {
    std::vector<uint8_t> out = kHeader;
    const std::vector<uint8_t> body = Reference(r);
    out.insert(out.end(), body.begin(), body.end());
    return out;
  }
};

TEST_F(ReplyTest, LongOpaqueIsReferencedAndTheBytesMatchLibtirpc) {
  std::string data(Reply::kMinReferencedBytes + 3, 'x');  // 3 bytes of padding follow
  TestResult r{.data = data.data(), .len = static_cast<u_int>(data.size())};
  const Reply reply = Encode(&r);
  const std::vector<uint8_t> expected = Expected(&r);
  EXPECT_TRUE(reply.references());
  EXPECT_EQ(reply.size(), expected.size());
  EXPECT_EQ(reply.Flatten(), expected);
  // The head ends where the data starts: header, `before`, the length word.
  EXPECT_EQ(reply.head().size(), kHeader.size() + 8);
  // Gathered from any offset, the parts are the rest of the reply; the data is not copied.
  for (size_t offset : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{1000},
                        expected.size() - 8, expected.size() - 1, expected.size()}) {
    std::array<iovec, 8> parts;
    const size_t n = reply.Gather(offset, parts);
    EXPECT_EQ(
        Concat(std::span(parts).first(n)),
        std::vector<uint8_t>(expected.begin() + static_cast<ptrdiff_t>(offset), expected.end()))
        << "offset " << offset;
  }
  std::array<iovec, 3> parts;
  ASSERT_EQ(reply.Gather(0, parts), 3u);
  EXPECT_EQ(parts[1].iov_base, data.data());
}

TEST_F(ReplyTest, ShortOpaqueIsCopied) {
  std::string data(Reply::kMinReferencedBytes - 1, 'y');
  TestResult r{.data = data.data(), .len = static_cast<u_int>(data.size())};
  const Reply reply = Encode(&r);
  EXPECT_FALSE(reply.references());
  EXPECT_EQ(reply.Flatten(), Expected(&r));
  std::array<iovec, 4> parts;
  EXPECT_EQ(reply.Gather(0, parts), 1u);
}

TEST_F(ReplyTest, GatherStopsWhenThePartsAreFull) {
  std::string data(Reply::kMinReferencedBytes, 'z');
  TestResult r{.data = data.data(), .len = static_cast<u_int>(data.size())};
  const Reply reply = Encode(&r);
  std::array<iovec, 1> one;
  ASSERT_EQ(reply.Gather(0, one), 1u);
  EXPECT_EQ(one[0].iov_len, reply.head().size());
}

TEST_F(ReplyTest, FailingEncoderLeavesTheReplyUnchanged) {
  std::string data(Reply::kMinReferencedBytes * 2, 'f');
  TestResult r{.data = data.data(), .len = static_cast<u_int>(data.size()), .fail_after = true};
  Reply reply(kHeader);
  EXPECT_FALSE(reply.AppendXdr(reinterpret_cast<xdrproc_t>(EncodeTestResult), &r));
  EXPECT_FALSE(reply.references());
  EXPECT_EQ(reply.Flatten(), kHeader);
}

TEST_F(ReplyTest, TwoReferencesAndTheRecordMarkCountEveryByte) {
  std::string first(Reply::kMinReferencedBytes + 1, 'a');
  std::string second(Reply::kMinReferencedBytes * 3, 'b');
  TestResult r1{.data = first.data(), .len = static_cast<u_int>(first.size())};
  TestResult r2{.before = 11, .data = second.data(), .len = static_cast<u_int>(second.size())};
  Reply reply(kHeader);
  ASSERT_TRUE(reply.AppendXdr(reinterpret_cast<xdrproc_t>(EncodeTestResult), &r1));
  ASSERT_TRUE(reply.AppendXdr(reinterpret_cast<xdrproc_t>(EncodeTestResult), &r2));
  reply.MarkRecord();
  std::vector<uint8_t> expected = kHeader;
  for (TestResult* r : {&r1, &r2}) {
    const std::vector<uint8_t> body = Reference(r);
    expected.insert(expected.end(), body.begin(), body.end());
  }
  StoreBigEndian(expected.data(), 0x80000000u | static_cast<uint32_t>(expected.size() - 4));
  EXPECT_EQ(reply.Flatten(), expected);
  std::array<iovec, 8> parts;
  EXPECT_EQ(reply.Gather(0, parts), 5u);  // head, a, padding + words + length, b, `after`
  EXPECT_EQ(Concat(std::span(parts).first(5)), expected);
}

TEST_F(ReplyTest, RetainKeepsTheReferencedBytesAliveWithTheReply) {
  auto owner = std::make_shared<std::string>(Reply::kMinReferencedBytes, 'k');
  TestResult r{.data = owner->data(), .len = static_cast<u_int>(owner->size())};
  Reply reply = Encode(&r);
  const std::vector<uint8_t> expected = Expected(&r);
  reply.Retain(owner);
  std::weak_ptr<std::string> watch = owner;
  owner.reset();
  Reply moved = std::move(reply);
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(moved.Flatten(), expected);
  moved = Reply();
  EXPECT_TRUE(watch.expired());
}

}  // namespace
}  // namespace volumed::rpc
