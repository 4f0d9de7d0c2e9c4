// E59 error-swallowed (the anti-pattern): the worker goroutine prints the errors it
// meets itself and drops them; the consumer never learns of them and cannot react.
// Errors belong to whoever has the whole picture (E60 sends them on).
//
// The tutorial fetches two URLs over the network; the tour has none, so a fake
// fetcher answers: www.google.com with "200 OK", badhost with a lookup error.
//   Get "https://badhost": dial tcp: lookup badhost: no such host   (the worker)
//   Response: 200 OK                                                 (main)
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

RecvChan<Response> check_status(patterns::Done done, std::vector<std::string> urls) {
  Chan<Response> responses = make_chan<Response>();
  go([done, responses, urls] {
    for (const std::string& url : urls) {
      auto [resp, err] = http_get(url);
      if (err) {
        std::printf("%s\n", err.message().c_str());  // swallowed: only printed
        continue;
      }
      if (!patterns::send_or_done(done, responses, resp)) break;
    }
    responses.close();
  });
  return responses;
}

}  // namespace

int main() {
  return run([] {
    Chan<> done = make_chan<>();
    for (const Response& response :
         check_status(done, {"https://www.google.com", "https://badhost"}))
      std::printf("Response: %s\n", response.status.c_str());
    done.close();
  });
}
