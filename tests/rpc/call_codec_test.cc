#include "rpc/call_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rpc/auth_sys.h"
#include "rpc/wire.h"
#include "rpc_test_util.h"

namespace volumed::rpc {
namespace {

// A call with full control over every header field.
std::vector<uint8_t> RawCall(uint32_t xid, uint32_t msg_type, uint32_t rpcvers,
                             uint32_t cred_flavor, std::vector<uint8_t> cred_body,
                             uint32_t verf_flavor = AUTH_NONE, uint32_t cred_len_override = 0) {
  WireWriter w;
  w.U32(xid);
  w.U32(msg_type);
  w.U32(rpcvers);
  w.U32(100003);
  w.U32(3);
  w.U32(1);
  w.U32(cred_flavor);
  if (cred_len_override != 0) {
    w.U32(cred_len_override);
    w.Raw(cred_body);
  } else {
    w.Opaque(cred_body);
  }
  w.U32(verf_flavor);
  w.U32(0);
  w.U32(0xdeadbeef);  // one argument word
  return std::move(w).Take();
}

std::vector<uint8_t> Sys(std::string_view name, uint32_t ngids) {
  std::vector<uint32_t> gids(ngids, 7);
  return EncodeAuthSys(1, name, 1000, 100, gids);
}

TEST(CallCodec, DecodesAuthNoneCall) {
  auto rec = RawCall(0x1234, 0, 2, AUTH_NONE, {});
  DecodedCall c = DecodeCall(rec);
  ASSERT_EQ(c.verdict, HeaderVerdict::kOk);
  EXPECT_EQ(c.xid, 0x1234u);
  EXPECT_EQ(c.prog, 100003u);
  EXPECT_EQ(c.vers, 3u);
  EXPECT_EQ(c.proc, 1u);
  EXPECT_EQ(c.cred.flavor, static_cast<uint32_t>(AUTH_NONE));
  EXPECT_EQ(c.cred.uid, 65534u);
  ASSERT_EQ(c.args.size(), 4u);
  EXPECT_EQ(c.args[0], 0xde);
}

TEST(CallCodec, DecodesAuthSys) {
  auto rec = RawCall(1, 0, 2, AUTH_SYS, Sys("client.example", 16));
  DecodedCall c = DecodeCall(rec);
  ASSERT_EQ(c.verdict, HeaderVerdict::kOk);
  EXPECT_EQ(c.cred.flavor, static_cast<uint32_t>(AUTH_SYS));
  EXPECT_EQ(c.cred.machine_name, "client.example");
  EXPECT_EQ(c.cred.uid, 1000u);
  EXPECT_EQ(c.cred.gid, 100u);
  EXPECT_EQ(c.cred.gids, std::vector<uint32_t>(16, 7));
  EXPECT_EQ(c.args.size(), 4u);
}

TEST(CallCodec, AuthSysBounds) {
  Credentials cred;
  EXPECT_TRUE(ParseAuthSys(Sys(std::string(255, 'm'), 0), &cred).ok());
  EXPECT_FALSE(ParseAuthSys(Sys(std::string(256, 'm'), 0), &cred).ok());
  EXPECT_TRUE(ParseAuthSys(Sys("h", 16), &cred).ok());
  EXPECT_FALSE(ParseAuthSys(Sys("h", 17), &cred).ok());
  auto body = Sys("host", 2);
  for (size_t cut = 0; cut < body.size(); ++cut) {
    EXPECT_FALSE(ParseAuthSys(std::span(body).first(cut), &cred).ok()) << cut;
  }
  body.push_back(0);  // trailing garbage
  body.push_back(0);
  body.push_back(0);
  body.push_back(0);
  EXPECT_FALSE(ParseAuthSys(body, &cred).ok());
  // A name length that claims more than the body holds.
  WireWriter w;
  w.U32(1);
  w.U32(0xffffffff);
  EXPECT_FALSE(ParseAuthSys(w.bytes(), &cred).ok());
}

TEST(CallCodec, BadAuthSysLengthsAreBadCred) {
  for (auto body : {Sys(std::string(256, 'm'), 0), Sys("h", 17)}) {
    // A 256-byte name plus the rest is over 255 but still within opaque<400>.
    DecodedCall c = DecodeCall(RawCall(9, 0, 2, AUTH_SYS, body));
    EXPECT_EQ(c.verdict, HeaderVerdict::kAuthError);
    EXPECT_EQ(c.auth_error, AUTH_BADCRED);
    EXPECT_EQ(c.xid, 9u);
  }
  auto body = Sys("host", 3);
  body.resize(body.size() - 4);  // gids count says 3, only 2 present
  DecodedCall c = DecodeCall(RawCall(9, 0, 2, AUTH_SYS, body));
  EXPECT_EQ(c.auth_error, AUTH_BADCRED);
}

TEST(CallCodec, CredentialOver400BytesIsBadCred) {
  DecodedCall c = DecodeCall(RawCall(3, 0, 2, AUTH_SYS, std::vector<uint8_t>(404, 0)));
  EXPECT_EQ(c.verdict, HeaderVerdict::kAuthError);
  EXPECT_EQ(c.auth_error, AUTH_BADCRED);
  // A length word claiming more bytes than the record has.
  c = DecodeCall(RawCall(3, 0, 2, AUTH_SYS, {}, AUTH_NONE, 300));
  EXPECT_EQ(c.auth_error, AUTH_BADCRED);
}

TEST(CallCodec, UnsupportedFlavors) {
  DecodedCall c = DecodeCall(RawCall(3, 0, 2, 2 /*AUTH_SHORT*/, {1, 2, 3, 4}));
  EXPECT_EQ(c.verdict, HeaderVerdict::kAuthError);
  EXPECT_EQ(c.auth_error, AUTH_REJECTEDCRED);
  for (uint32_t flavor : {3u /*AUTH_DH*/, 6u /*RPCSEC_GSS*/, 7u /*AUTH_TLS*/, 12345u}) {
    c = DecodeCall(RawCall(3, 0, 2, flavor, {}));
    EXPECT_EQ(c.verdict, HeaderVerdict::kAuthError) << flavor;
    EXPECT_EQ(c.auth_error, AUTH_BADCRED) << flavor;
  }
}

TEST(CallCodec, VerifierMustBeAuthNone) {
  DecodedCall c = DecodeCall(RawCall(3, 0, 2, AUTH_NONE, {}, AUTH_SYS));
  EXPECT_EQ(c.verdict, HeaderVerdict::kAuthError);
  EXPECT_EQ(c.auth_error, AUTH_BADVERF);
}

TEST(CallCodec, RpcVersionMismatch) {
  DecodedCall c = DecodeCall(RawCall(77, 0, 3, AUTH_NONE, {}));
  EXPECT_EQ(c.verdict, HeaderVerdict::kRpcMismatch);
  EXPECT_EQ(c.xid, 77u);
}

TEST(CallCodec, RepliesAndShortRecordsAreDropped) {
  EXPECT_EQ(DecodeCall(RawCall(1, 1, 2, AUTH_NONE, {})).verdict, HeaderVerdict::kDrop);
  auto rec = RawCall(1, 0, 2, AUTH_NONE, {});
  for (size_t cut = 0; cut < 24; ++cut) {  // up to and including proc
    EXPECT_EQ(DecodeCall(std::span(rec).first(cut)).verdict, HeaderVerdict::kDrop) << cut;
  }
  // Truncated inside the credential or verifier: an auth error naming the xid.
  for (size_t cut = 24; cut < rec.size() - 4; ++cut) {
    DecodedCall c = DecodeCall(std::span(rec).first(cut));
    EXPECT_EQ(c.verdict, HeaderVerdict::kAuthError) << cut;
  }
}

TEST(CallCodec, ReplyEncodings) {
  auto check = [](const std::vector<uint8_t>& reply) {
    // The record-mark slot announces exactly the payload.
    const uint32_t mark = (uint32_t{reply[0]} << 24) | (uint32_t{reply[1]} << 16) |
                          (uint32_t{reply[2]} << 8) | reply[3];
    EXPECT_EQ(mark, 0x80000000u | (reply.size() - 4));
    auto r = testing::ParseReply(ReplyPayload(reply));
    EXPECT_TRUE(r.has_value());
    return r.value_or(testing::ParsedReply{});
  };
  auto r = check(EncodeRpcMismatchReply(5));
  EXPECT_EQ(r.xid, 5u);
  EXPECT_EQ(r.reply_stat, 1u);
  EXPECT_EQ(r.reject_stat, 0u);
  EXPECT_EQ(r.low, 2u);
  EXPECT_EQ(r.high, 2u);
  r = check(EncodeAuthErrorReply(6, AUTH_TOOWEAK));
  EXPECT_EQ(r.reject_stat, 1u);
  EXPECT_EQ(r.auth_stat, static_cast<uint32_t>(AUTH_TOOWEAK));
  r = check(EncodeProgMismatchReply(7, 2, 4));
  EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(PROG_MISMATCH));
  EXPECT_EQ(r.low, 2u);
  EXPECT_EQ(r.high, 4u);
  r = check(EncodeAcceptErrorReply(8, GARBAGE_ARGS));
  EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(GARBAGE_ARGS));
  u_int value = 41;
  bool ok = false;
  auto success = EncodeSuccessReply(9, reinterpret_cast<xdrproc_t>(xdr_u_int), &value, &ok);
  ASSERT_TRUE(ok);
  r = check(success.Flatten());
  EXPECT_EQ(r.accept_stat, 0u);
  EXPECT_EQ(r.results, (std::vector<uint8_t>{0, 0, 0, 41}));
}

}  // namespace
}  // namespace volumed::rpc
