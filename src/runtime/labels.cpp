// pprof labels: each goroutine points at an immutable, reference-counted set.
// A new goroutine shares its creator's set (one increment, no copy), pprof's
// do_with swaps in a merged copy for the length of a call, and a goroutine's
// exit drops its reference.
//
// Readers on other threads (tracebacks, the goroutine profile, CPU samples
// copied later) must never see a set freed under them. The swap of G::labels
// and the free of a set whose count reached zero both happen under labels_lock,
// and a reader copies a set only while holding it: a set it finds in a G's field
// is still that G's, and its free waits for the reader to let go.
#include <algorithm>
#include <cstdio>

#include "gocxx/pprof.hpp"
#include "lock.hpp"
#include "sched.hpp"

namespace gocxx::rt {

std::atomic<bool> g_traceback_labels{true};

namespace {

Lock labels_lock;

// Go's quoting of a string for a label, in two flavours: strconv.Quote's (pprof's
// `# labels:` line, which keeps printable UTF-8) and the runtime's (tracebacks,
// which escape every byte outside printable ASCII so a dump stays one line of
// plain text per header).
void append_quoted(std::string& out, const std::string& s, bool ascii_only) {
  out += '"';
  char buf[8];
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\r':
        out += "\\r";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f || (ascii_only && c >= 0x80)) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

}  // namespace

LabelSet* labels_retain(LabelSet* set) noexcept {
  if (set != nullptr) set->refs.fetch_add(1, std::memory_order_relaxed);
  return set;
}

void labels_release(LabelSet* set) noexcept {
  if (set == nullptr) return;
  std::int64_t before = set->refs.fetch_sub(1, std::memory_order_acq_rel);
  if (before > 1) return;
  if (before < 1) fatal("runtime: label set released more often than retained");
  LockGuard guard(labels_lock);
  delete set;
}

LabelSet* labels_exchange(G* g, LabelSet* set) noexcept {
  LockGuard guard(labels_lock);
  LabelSet* old = g->labels;
  g->labels = set;
  return old;
}

LabelList labels_of(const G* g) {
  LockGuard guard(labels_lock);
  LabelSet* set = g->labels;
  return set != nullptr ? set->list : LabelList{};
}

namespace {

// `<open>"k"<sep>"v", ...}`.
std::string labels_text(const LabelList& labels, const char* open, const char* sep,
                        bool ascii_only) {
  if (labels.empty()) return {};
  std::string out = open;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    append_quoted(out, labels[i].first, ascii_only);
    out += sep;
    append_quoted(out, labels[i].second, ascii_only);
  }
  return out + "}";
}

}  // namespace

std::string labels_profile_text(const LabelList& labels) {
  return labels_text(labels, "{", ":", false);
}

std::string labels_traceback_text(const LabelList& labels) {
  return labels_text(labels, "labels:{", ": ", true);
}

}  // namespace gocxx::rt

namespace gocxx::pprof {

detail::LabelScope::LabelScope(const LabelSet& labels) {
  rt::G* self = rt::current_g();
  rt::LabelSet* current = self->labels;
  // Go's Do: the new labels are added to the goroutine's, a key given again
  // taking the new value.
  auto* merged = new rt::LabelSet;
  if (current != nullptr) merged->list = current->list;
  for (const auto& [key, value] : labels) {
    auto it = std::lower_bound(merged->list.begin(), merged->list.end(), key,
                               [](const auto& kv, const std::string& k) { return kv.first < k; });
    if (it != merged->list.end() && it->first == key) {
      it->second = value;
    } else {
      merged->list.insert(it, {key, value});
    }
  }
  previous_ = rt::labels_exchange(self, merged);
}

detail::LabelScope::~LabelScope() {
  // The goroutine may run on another thread by now, but it is the same G.
  rt::labels_release(rt::labels_exchange(rt::current_g(), static_cast<rt::LabelSet*>(previous_)));
}

std::optional<std::string> label(std::string_view key) {
  rt::LabelSet* set = rt::current_g()->labels;  // our own: nobody frees it under us
  if (set == nullptr) return std::nullopt;
  for (const auto& [k, v] : set->list) {
    if (k == key) return v;
  }
  return std::nullopt;
}

}  // namespace gocxx::pprof
