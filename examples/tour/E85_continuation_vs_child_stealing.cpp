// E85 continuation-vs-child-stealing: what `go` does with the
// parent and the child on one processor. The tutorial's model (continuation stealing):
// the child runs at once and the parent's continuation waits in the deque, so
// `child` is logged first. Real Go puts the child in runnext and continues the
// parent, so `parent` is logged first. gocxx implements both (SpawnPolicy).
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"

namespace {

std::string order(gocxx::runtime::SpawnPolicy policy) {
  gocxx::runtime::set_spawn_policy(policy);
  auto log = gocxx::make_chan<std::string>(2);
  auto done = gocxx::make_chan<>();
  gocxx::go([log, done] {  // go func() { log("child") }()
    log.send("child");
    done.close();
  });
  log.send("parent");  // log("parent")
  done.recv();         // join
  log.close();
  std::string s;
  for (const std::string& who : log) s += (s.empty() ? "" : " ") + who;
  return s;
}

}  // namespace

int main() {
  gocxx::runtime::gomaxprocs(1);
  return gocxx::run([] {
    using gocxx::runtime::SpawnPolicy;
    std::printf("child_first: %s\n", order(SpawnPolicy::child_first).c_str());
    std::printf("parent_first: %s\n", order(SpawnPolicy::parent_first).c_str());
  });
}
