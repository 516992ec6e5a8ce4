// `lock_client SERVER VOLUME`: takes an exclusive NLM4 lock (host "move-test") on the root
// of VOLUME at SERVER and exits 0 once it is granted; the lock stays held in the server
// (move_test.py: a volume with a lock held does not move without --force).
//
// Thread-safety: a single-threaded program.
#include <cstdio>
#include <string>

#include "nlm_test_client.h"
#include "volume_handle.h"

int main(int argc, char** argv) {
  using volumed::nlmtest::NlmClient;
  if (argc != 3) {
    std::fprintf(stderr, "usage: lock_client SERVER VOLUME\n");
    return 2;
  }
  const std::string server = argv[1];
  const std::string handle = volumed::nlmtest::VolumeHandle(argv[2], server);
  if (handle.empty()) {
    std::fprintf(stderr, "MNT of /%s at %s failed\n", argv[2], server.c_str());
    return 1;
  }
  auto nlm = NlmClient::Connect(volumed::rpc::Transport::kTcp, NLM4_VERS,
                                volumed::nlmtest::kNlmPort, server);
  if (nlm == nullptr) {
    std::fprintf(stderr, "no NLM at %s\n", server.c_str());
    return 1;
  }
  const nlm4_stats stat =
      nlm->Lock(handle, {"move-test", 4242, "move-test-owner"}, 0, 0, /*excl=*/true,
                /*block=*/false);
  if (stat != NLM4_GRANTED) {
    std::fprintf(stderr, "NLM LOCK at %s: status %d\n", server.c_str(), static_cast<int>(stat));
    return 1;
  }
  return 0;
}
