# Case atomic_publish: this guest reads a published tree in a loop while the host
# publishes new versions of it with `volumectl put --atomic LOCAL vol1:/current`
# (vmcases.py, _publish_versions). `current` is a symlink to a version directory; every
# version holds a MANIFEST: "version N", then `sha256sum` lines for each of its files.
# A reader resolves the link once and reads that version; it must only ever find whole
# versions: every file its manifest lists, with that checksum, and no other file.
# The versions it sees never go back, and after the last publish it sees the last one.
. "$VMT_LIB"
M=/mnt/vol1
# No cached lookups or attributes: each round asks the server what `current` is now.
vmt_mount vol1 "$M" "lookupcache=none,actimeo=0"
[ -L "$M/current" ] || fail "the first version is not published as a link at $M/current"

last=-1
distinct=0
rounds=0
# check TARGET: the version directory TARGET (relative to the volume's root) is whole.
check() {
  d="$M/$1"
  v=$(sed -n '1s/^version //p' "$d/MANIFEST")
  [ -n "$v" ] || fail "$1: MANIFEST has no version line"
  (cd "$d" && sed 1d MANIFEST | sha256sum --check --quiet --strict -) ||
    fail "version $v ($1): a file is missing or differs from its manifest"
  (cd "$d" && find . ! -name MANIFEST ! -type d | sort) >/tmp/listed
  sed 1d "$d/MANIFEST" | sed 's/^[0-9a-f]*  //' | sort >/tmp/want
  cmp -s /tmp/listed /tmp/want ||
    fail "version $v ($1): it lists other files than its manifest: $(diff /tmp/want /tmp/listed | head -5)"
  [ "$v" -ge "$last" ] || fail "went back from version $last to version $v ($1)"
  [ "$v" = "$last" ] || distinct=$((distinct + 1))
  last=$v
  rounds=$((rounds + 1))
}

step "read the published tree while new versions are published"
vmt_signal reading
while [ ! -e "$VMT_SHARED/published" ]; do
  check "$(readlink "$M/current")"
done
step "after the last publish"
check "$(readlink "$M/current")"
[ "$last" = "$VMT_VERSIONS" ] || fail "after the last publish, current is version $last, not $VMT_VERSIONS"
echo "read $rounds whole versions, $distinct different ones, up to version $last"
[ "$distinct" -ge 3 ] || fail "saw only $distinct different versions: the reads did not overlap the publishing"
echo "atomic_publish: guest $VMT_INDEX passed"
