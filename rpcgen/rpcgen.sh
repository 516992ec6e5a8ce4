#!/bin/sh
# rpcgen.sh MODE SPEC OUTPUT — runs rpcgen from the spec's own directory so that the
# generated C includes "name.h" (found in the build directory), not a source path.
set -eu
mode="$1"; spec="$2"; out="$3"
case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac
cd "$(dirname "$spec")"
rm -f "$out"  # rpcgen refuses to overwrite an existing output
exec rpcgen "$mode" -o "$out" "$(basename "$spec")"
