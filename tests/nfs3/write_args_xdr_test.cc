// XdrWriteArgs: decodes what rpcgen's xdr_WRITE3args encodes, with the data a view into
// the decoded buffer (not a copy), frees only the file handle, and refuses what rpcgen's
// routine refuses (data over NFS3_MAXDATA, bytes missing).
#include "nfs3/write_args_xdr.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace volumed::nfs3 {
namespace {

// The wire form of a WRITE3args by rpcgen's routine.
std::vector<uint8_t> Encode(std::string handle, std::string data, uint32_t count) {
  WRITE3args a{};
  a.file.data.data_val = handle.data();
  a.file.data.data_len = static_cast<u_int>(handle.size());
  a.offset = 1ull << 33;
  a.count = count;
  a.stable = DATA_SYNC;
  a.data.data_val = data.data();
  a.data.data_len = static_cast<u_int>(data.size());
  std::vector<uint8_t> out(64 + handle.size() + data.size() + 8);
  XDR xdrs;
  xdrmem_create(&xdrs, reinterpret_cast<char*>(out.data()), static_cast<u_int>(out.size()),
                XDR_ENCODE);
  EXPECT_TRUE(xdr_WRITE3args(&xdrs, &a));
  out.resize(xdr_getpos(&xdrs));
  xdr_destroy(&xdrs);
  return out;
}

bool Decode(std::vector<uint8_t>& wire, WRITE3args* a) {
  XDR xdrs;
  xdrmem_create(&xdrs, reinterpret_cast<char*>(wire.data()), static_cast<u_int>(wire.size()),
                XDR_DECODE);
  const bool ok = XdrWriteArgs(&xdrs, a) != 0;
  xdr_destroy(&xdrs);
  return ok;
}

void Free(WRITE3args* a) { xdr_free(reinterpret_cast<xdrproc_t>(XdrWriteArgs), a); }

TEST(WriteArgsXdr, DataIsAViewIntoTheDecodedBytes) {
  const std::string data(5001, 'd');  // padded by 3 on the wire
  std::vector<uint8_t> wire = Encode("handle", data, 5001);
  WRITE3args a{};
  ASSERT_TRUE(Decode(wire, &a));
  EXPECT_EQ(std::string(a.file.data.data_val, a.file.data.data_len), "handle");
  EXPECT_EQ(a.offset, 1ull << 33);
  EXPECT_EQ(a.count, 5001u);
  EXPECT_EQ(a.stable, DATA_SYNC);
  ASSERT_EQ(a.data.data_len, data.size());
  EXPECT_EQ(std::string(a.data.data_val, a.data.data_len), data);
  const auto* at = reinterpret_cast<const uint8_t*>(a.data.data_val);
  EXPECT_GE(at, wire.data());
  EXPECT_LE(at + a.data.data_len, wire.data() + wire.size());
  Free(&a);  // frees the handle, leaves the view alone (ASan would catch a bad free)
  EXPECT_EQ(a.data.data_val, nullptr);
  EXPECT_EQ(a.file.data.data_val, nullptr);
}

TEST(WriteArgsXdr, EmptyDataDecodesToNull) {
  std::vector<uint8_t> wire = Encode("h", "", 0);
  WRITE3args a{};
  ASSERT_TRUE(Decode(wire, &a));
  EXPECT_EQ(a.data.data_val, nullptr);
  EXPECT_EQ(a.data.data_len, 0u);
  Free(&a);
}

TEST(WriteArgsXdr, RefusesMissingBytesAndOversizedData) {
  std::vector<uint8_t> wire = Encode("h", std::string(100, 'x'), 100);
  std::vector<uint8_t> cut(wire.begin(), wire.end() - 8);
  WRITE3args a{};
  EXPECT_FALSE(Decode(cut, &a));
  Free(&a);

  // The length word announces NFS3_MAXDATA + 1 bytes (it is the word before the data).
  std::vector<uint8_t> big = Encode("h", "", 0);
  const uint32_t over = NFS3_MAXDATA + 1;
  big[big.size() - 4] = static_cast<uint8_t>(over >> 24);
  big[big.size() - 3] = static_cast<uint8_t>(over >> 16);
  big[big.size() - 2] = static_cast<uint8_t>(over >> 8);
  big[big.size() - 1] = static_cast<uint8_t>(over);
  big.resize(big.size() + over + 4, 0);
  WRITE3args b{};
  EXPECT_FALSE(Decode(big, &b));
  Free(&b);
}

}  // namespace
}  // namespace volumed::nfs3
