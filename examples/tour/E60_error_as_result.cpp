// E60 error-as-result: the worker sends each outcome, response or error, as one
// patterns::Result, so the goroutine that has the whole picture decides what to do
// with errors:
//   Response: 200 OK
//   error: Get "https://badhost": dial tcp: lookup badhost: no such host
// The fake fetcher of E59 stands in for the network. Ported with the tutorial's
// missing newline after the error added.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

namespace {

struct Response {
  std::string status;
};

// Stands in for http.Get.
std::pair<Response, Error> http_get(const std::string& url) {
  if (url == "https://www.google.com") return {{"200 OK"}, Error()};
  return {
      {},
      errors::make("Get \"" + url + "\": dial tcp: lookup " + url.substr(8) + ": no such host")};
}

RecvChan<patterns::Result<Response>> check_status(patterns::Done done,
                                                  std::vector<std::string> urls) {
  Chan<patterns::Result<Response>> results = make_chan<patterns::Result<Response>>();
  go([done, results, urls] {
    for (const std::string& url : urls) {
      auto [resp, err] = http_get(url);
      if (!patterns::send_or_done(done, results, patterns::Result<Response>{resp, err})) break;
    }
    results.close();
  });
  return results;
}

}  // namespace

int main() {
  return run([] {
    Chan<> done = make_chan<>();
    for (const auto& result : check_status(done, {"https://www.google.com", "https://badhost"})) {
      if (result.err) {
        std::printf("error: %s\n", result.err.message().c_str());
        continue;
      }
      std::printf("Response: %s\n", result.value.status.c_str());
    }
    done.close();
  });
}
