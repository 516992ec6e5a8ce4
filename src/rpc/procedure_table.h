// How a program writes its procedure table: one `rpc::Proc<&Handler>(number, name,
// xdr_args, xdr_result, idempotent[, runs])` per procedure, in one constant array (see
// src/nfs3/nfs_program.cc). This is the only way procedures are bound; a new program is a
// table plus typed handlers, with no void* trampolines and no casts of XDR routines.
//
// A handler is typed on its decoded arguments and its zeroed result, in one of two shapes:
//
//   R Fn(Service& s, const CallContext& ctx, const Args& args, Res& res);    // a function
//   R (Service::*)(const CallContext& ctx, const Args& args, Res* res);      // a method
//
// where R is void (always answered: Outcome::kReply) or Outcome (e.g. kNoReply for the
// _MSG forms of NLM). A procedure without arguments or result uses rpc::Void for that
// type and rpc::kXdrVoid for its XDR routine. Proc checks at compile time that each XDR
// routine (`bool_t xdr_T(XDR*, T*)`, as rpcgen writes them) is the one for the handler's
// type, so a table cannot pair a handler with the wrong codec. The Service is the
// ProgramVersion's `state`.
//
// Thread-safety: stateless templates; the tables they build are immutable.
#pragma once

#include <rpc/rpc.h>

#include <cstdint>
#include <type_traits>

#include "rpc/program.h"

namespace volumed::rpc {

// The argument or result type of a procedure that has none (XDR void).
struct Void {};

// What a table passes as the XDR routine of a Void argument or result.
struct XdrVoidTag {};
inline constexpr XdrVoidTag kXdrVoid{};

inline constexpr bool kIdempotent = true;
// Answered from the duplicate-request cache when a retransmission arrives.
inline constexpr bool kNotIdempotent = false;

// xdr_void as an xdrproc_t: its C declaration takes no parameters, so it goes through
// void(*)(), the one cast GCC accepts between unrelated function types. For outbound
// calls (rpc::Client) and tests; tables use kXdrVoid.
inline xdrproc_t XdrVoid() {
  return reinterpret_cast<xdrproc_t>(reinterpret_cast<void (*)()>(xdr_void));
}

// An rpcgen routine as the engine's xdrproc_t.
template <typename T>
xdrproc_t XdrProc(bool_t (*routine)(XDR*, T*)) {
  return reinterpret_cast<xdrproc_t>(routine);
}

namespace internal {

template <typename F>
struct HandlerShape;

template <typename R, typename S, typename A, typename Res>
struct HandlerShape<R (*)(S&, const CallContext&, const A&, Res&)> {
  using Return = R;
  using Service = S;
  using Args = A;
  using Result = Res;
  template <auto Fn>
  static R Call(S& s, const CallContext& ctx, const A& args, Res& res) {
    return Fn(s, ctx, args, res);
  }
};

template <typename R, typename S, typename A, typename Res>
struct HandlerShape<R (S::*)(const CallContext&, const A&, Res*)> {
  using Return = R;
  using Service = S;
  using Args = A;
  using Result = Res;
  template <auto Fn>
  static R Call(S& s, const CallContext& ctx, const A& args, Res& res) {
    return (s.*Fn)(ctx, args, &res);
  }
};

template <typename T>
struct XdrRoutine {
  using Type = bool_t (*)(XDR*, T*);
  static xdrproc_t Proc(Type routine) { return XdrProc(routine); }
  static constexpr size_t kSize = sizeof(T);
};

template <>
struct XdrRoutine<Void> {
  using Type = XdrVoidTag;
  static xdrproc_t Proc(Type) { return XdrVoid(); }
  static constexpr size_t kSize = 0;  // the engine allocates nothing for it
};

// The engine's buffer as the handler's type; a Void has no buffer.
template <typename T>
T& BufferAs(void* buffer, Void& none) {
  if constexpr (std::is_same_v<T, Void>) {
    return none;
  } else {
    return *static_cast<T*>(buffer);
  }
}

}  // namespace internal

template <auto Fn>
using HandlerService = typename internal::HandlerShape<decltype(Fn)>::Service;
template <auto Fn>
using HandlerArgs = typename internal::HandlerShape<decltype(Fn)>::Args;
template <auto Fn>
using HandlerResult = typename internal::HandlerShape<decltype(Fn)>::Result;

// Calls a handler of either shape; what the engine's Handler and composed handlers
// (e.g. an NLM _MSG form running its synchronous procedure) go through.
template <auto Fn>
Outcome CallHandler(HandlerService<Fn>& s, const CallContext& ctx, const HandlerArgs<Fn>& args,
                    HandlerResult<Fn>& res) {
  using Shape = internal::HandlerShape<decltype(Fn)>;
  if constexpr (std::is_void_v<typename Shape::Return>) {
    Shape::template Call<Fn>(s, ctx, args, res);
    return Outcome::kReply;
  } else {
    static_assert(std::is_same_v<typename Shape::Return, Outcome>,
                  "a handler returns void or rpc::Outcome");
    return Shape::template Call<Fn>(s, ctx, args, res);
  }
}

// The engine's Handler for `Fn`.
template <auto Fn>
Outcome Invoke(void* state, const CallContext& ctx, void* args, void* result) {
  Void no_args;
  Void no_result;
  return CallHandler<Fn>(*static_cast<HandlerService<Fn>*>(state), ctx,
                         internal::BufferAs<HandlerArgs<Fn>>(args, no_args),
                         internal::BufferAs<HandlerResult<Fn>>(result, no_result));
}

// One row of a procedure table.
template <auto Fn>
Procedure Proc(uint32_t number, const char* name,
               typename internal::XdrRoutine<HandlerArgs<Fn>>::Type decode_args,
               typename internal::XdrRoutine<HandlerResult<Fn>>::Type encode_result,
               bool idempotent, Runs runs = Runs::kWorker, LightCall light = nullptr) {
  using ArgsXdr = internal::XdrRoutine<HandlerArgs<Fn>>;
  using ResultXdr = internal::XdrRoutine<HandlerResult<Fn>>;
  return Procedure{number,
                   name,
                   ArgsXdr::Proc(decode_args),
                   ArgsXdr::kSize,
                   ResultXdr::Proc(encode_result),
                   ResultXdr::kSize,
                   &Invoke<Fn>,
                   idempotent,
                   runs,
                   light};
}

namespace internal {
inline Outcome AnswerNull(void*, const CallContext&, void*, void*) { return Outcome::kReply; }
}  // namespace internal

// Procedure 0 of every program: void arguments, void result, answers success, whatever
// the program's state (also none).
inline Procedure NullProc(uint32_t number = 0, const char* name = "NULL") {
  return Procedure{number,      name,          XdrVoid(), 0, XdrVoid(), 0, &internal::AnswerNull,
                   kIdempotent, Runs::kReactor};
}

}  // namespace volumed::rpc
