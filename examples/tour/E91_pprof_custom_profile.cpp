// E91 pprof-custom-profile: get a custom profile by name, creating it the first
// time (lookup returns nullptr for an unknown name; new_profile makes one and
// panics if the name is taken). A custom profile records the stacks of whatever
// the program adds to it: here, open "connections" that are later closed.
#include <cstdio>
#include <sstream>
#include <string>

#include "gocxx/gocxx.hpp"

namespace {

gocxx::pprof::Profile* newProfIfNotDef(const std::string& name) {
  gocxx::pprof::Profile* prof = gocxx::pprof::lookup(name);
  if (prof == nullptr) prof = gocxx::pprof::new_profile(name);
  return prof;
}

struct Connection {
  int id;
};

}  // namespace

int main() {
  return gocxx::run([] {
    gocxx::pprof::Profile* first = newProfIfNotDef("my_package_namespace");
    gocxx::pprof::Profile* second = newProfIfNotDef("my_package_namespace");
    std::printf("same profile both times: %s\n", first == second ? "true" : "false");
    std::printf("lookup finds it: %s\n",
                gocxx::pprof::lookup("my_package_namespace") == first ? "true" : "false");
    try {
      gocxx::pprof::new_profile("my_package_namespace");
    } catch (const gocxx::Panic& p) {
      std::printf("new_profile again: panic: %s\n", p.what());
    }
    Connection a{1}, b{2};
    first->add(&a);
    first->add(&b);
    std::printf("count after two adds: %d\n", first->count());
    first->remove(&a);
    std::printf("count after a remove: %d\n", first->count());
    std::string text;
    {
      std::ostringstream out;
      first->write_to(out, 1);
      text = out.str();
    }
    std::printf("%s", text.substr(0, text.find('\n') + 1).c_str());
    first->remove(&b);
    std::printf("count at the end: %d\n", first->count());
  });
}
