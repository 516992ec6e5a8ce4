#include "monitor/lock_helper.h"

#include "nlm/nlm_test_client.h"

namespace volumed::testing {

bool TakeRootLock(const std::string& volume, const std::string& host, int32_t svid) {
  auto client = nlmtest::NlmClient::Connect(rpc::Transport::kTcp);
  const std::string fh = nlmtest::VolumeHandle(volume);
  if (client == nullptr || fh.empty()) return false;
  return client->Lock(fh, {host, svid, "oh-" + host}, 0, 100, /*excl=*/true, /*block=*/false) ==
         NLM4_GRANTED;
}

bool ReleaseRootLock(const std::string& volume, const std::string& host, int32_t svid) {
  auto client = nlmtest::NlmClient::Connect(rpc::Transport::kTcp);
  const std::string fh = nlmtest::VolumeHandle(volume);
  if (client == nullptr || fh.empty()) return false;
  return client->Unlock(fh, {host, svid, "oh-" + host}, 0, 100) == NLM4_GRANTED;
}

}  // namespace volumed::testing
