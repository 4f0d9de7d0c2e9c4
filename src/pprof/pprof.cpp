// runtime/pprof's count profiles (goroutine, threadcreate, custom ones) and their
// writers: Go's debug=1 text through a tabwriter-compatible column aligner, and
// debug=0 profile.proto, gzipped.
#include "gocxx/pprof.hpp"

#include <link.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <utility>

#include "gocxx/runtime.hpp"
#include "proto.hpp"
#include "runtime/gmp.hpp"
#include "runtime/panic.hpp"
#include "runtime/sched.hpp"
#include "runtime/symbolize.hpp"

namespace gocxx::pprof {

using pprof_internal::ProtoWriter;
using pprof_internal::StringTable;

namespace {

enum class Kind { goroutine, goroutineleak, threadcreate, block, mutex, custom };

// One line of a count profile: a distinct stack (return addresses, innermost
// first) and how many entries have it.
struct Group {
  std::vector<void*> pcs;
  rt::LabelList labels;
  std::int64_t count = 0;
};

std::string stack_key(const std::vector<void*>& pcs) {
  std::string key = "@";
  char buf[32];
  for (void* pc : pcs) {
    std::snprintf(buf, sizeof buf, " 0x%llx",
                  static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(pc)));
    key += buf;
  }
  return key;
}

// Go's printCountProfile: entries grouped by stack and labels, the key being the
// `@` line plus, with labels, the `# labels:` line; by count descending, then by
// key.
std::vector<std::pair<std::string, Group>> group_stacks(std::vector<std::vector<void*>> stacks,
                                                        std::vector<rt::LabelList> labels = {}) {
  std::map<std::string, Group> groups;
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    std::string key = stack_key(stacks[i]);
    if (i < labels.size() && !labels[i].empty()) {
      key += "\n# labels: " + rt::labels_profile_text(labels[i]);
    }
    Group& g = groups[key];
    if (g.count++ == 0) {
      g.pcs = std::move(stacks[i]);
      if (i < labels.size()) g.labels = std::move(labels[i]);
    }
  }
  std::vector<std::pair<std::string, Group>> sorted(groups.begin(), groups.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    if (a.second.count != b.second.count) return a.second.count > b.second.count;
    return a.first < b.first;
  });
  return sorted;
}

// Go's text/tabwriter with minwidth 1, tabwidth 8, padding 1, padchar '\t': the
// cells of consecutive lines that share a column are padded with tabs to the
// column's width (its widest cell plus one, rounded up to a tab stop).
class TabWriter {
 public:
  explicit TabWriter(const std::string& text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      std::vector<std::string> cells;
      std::size_t p = pos;
      for (;;) {
        std::size_t tab = text.find('\t', p);
        if (tab == std::string::npos || tab > nl) {
          cells.push_back(text.substr(p, nl - p));
          break;
        }
        cells.push_back(text.substr(p, tab - p));
        p = tab + 1;
      }
      lines_.push_back(std::move(cells));
      pos = nl + 1;
    }
  }

  std::string str() {
    out_.clear();
    format(0, lines_.size());
    return out_;
  }

 private:
  static constexpr std::size_t kTabWidth = 8;

  void write_lines(std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const auto& cells = lines_[i];
      for (std::size_t j = 0; j < cells.size(); ++j) {
        out_ += cells[j];
        if (j + 1 < cells.size() && j < widths_.size()) {
          std::size_t cellw = (widths_[j] + kTabWidth - 1) / kTabWidth * kTabWidth;
          std::size_t pad = cellw - cells[j].size();
          out_.append((pad + kTabWidth - 1) / kTabWidth, '\t');
        } else if (j + 1 < cells.size()) {
          out_ += '\t';
        }
      }
      out_ += '\n';
    }
  }

  void format(std::size_t line0, std::size_t line1) {
    std::size_t column = widths_.size();
    for (std::size_t cur = line0; cur < line1; ++cur) {
      if (column + 1 >= lines_[cur].size()) continue;
      write_lines(line0, cur);
      line0 = cur;
      std::size_t width = 1;  // minwidth
      for (; cur < line1; ++cur) {
        if (column + 1 >= lines_[cur].size()) break;
        width = std::max(width, lines_[cur][column].size() + 1);  // + padding
      }
      widths_.push_back(width);
      format(line0, cur);
      widths_.pop_back();
      line0 = cur;  // the line that ended the block has no cell here: skipped
    }
    write_lines(line0, line1);
  }

  std::vector<std::vector<std::string>> lines_;
  std::vector<std::size_t> widths_;
  std::string out_;
};

// A stack's frames, inlined calls expanded, per pc; the runtime's frames (what
// tracebacks hide) are left out when any other frame is there, as Go's
// printStackRecord leaves out runtime.* frames.
struct PcFrames {
  void* pc;
  std::uintptr_t offset;           // of pc - 1 in its (outermost) function
  std::vector<rt::Symbol> frames;  // innermost first; empty: all hidden
};

std::vector<PcFrames> visible_frames(const std::vector<void*>& pcs, bool keep_runtime = false) {
  std::vector<PcFrames> out;
  bool any_user = false;
  for (void* pc : pcs) {
    PcFrames f{pc, 0, rt::symbolize_inlined(pc, true)};
    f.offset = f.frames.back().offset > 0 ? f.frames.back().offset - 1 : 0;
    for (const rt::Symbol& sym : f.frames) any_user = any_user || !rt::hidden_in_tracebacks(sym);
    out.push_back(std::move(f));
  }
  if (!any_user || keep_runtime) return out;
  for (PcFrames& f : out) {
    std::erase_if(f.frames, [](const rt::Symbol& sym) { return rt::hidden_in_tracebacks(sym); });
  }
  return out;
}

// Go's printStackRecord: one `#` line per visible frame.
void append_stack_frames(std::string& out, const std::vector<void*>& pcs) {
  char buf[64];
  if (pcs.empty()) {
    out += "#\t0x0\n";
    return;
  }
  for (const PcFrames& f : visible_frames(pcs)) {
    auto addr = reinterpret_cast<std::uintptr_t>(f.pc) - 1;  // inside the call
    std::uintptr_t offset = f.offset;
    for (const rt::Symbol& sym : f.frames) {
      std::snprintf(buf, sizeof buf, "#\t0x%llx", static_cast<unsigned long long>(addr));
      out += buf;
      if (sym.function.empty()) {
        out += "\n";
        continue;
      }
      std::snprintf(buf, sizeof buf, "+0x%llx\t", static_cast<unsigned long long>(offset));
      out += "\t";
      out += sym.function;
      out += buf;
      out += sym.file.empty() ? std::string("?") : sym.file;
      std::snprintf(buf, sizeof buf, ":%d\n", sym.line);
      out += buf;
    }
  }
}

std::string count_profile_text(const std::string& name,
                               const std::vector<std::pair<std::string, Group>>& groups,
                               std::int64_t total) {
  std::string text = name + " profile: total " + std::to_string(total) + "\n";
  for (const auto& [key, g] : groups) {
    text += std::to_string(g.count) + " " + key + "\n";
    append_stack_frames(text, g.pcs);
    text += "\n";
  }
  return TabWriter(text).str();
}

// Locations and functions of profile.proto, one per distinct pc and function.
class ProtoBuilder {
 public:
  // One mapping per loaded object, so pprof knows every address is symbolised
  // already (has_functions and the rest) and which binary it came from.
  ProtoBuilder() {
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* self) {
          auto* b = static_cast<ProtoBuilder*>(self);
          std::uintptr_t lo = UINTPTR_MAX, hi = 0;
          for (int i = 0; i < info->dlpi_phnum; ++i) {
            const auto& ph = info->dlpi_phdr[i];
            if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
            lo = std::min<std::uintptr_t>(lo, info->dlpi_addr + ph.p_vaddr);
            hi = std::max<std::uintptr_t>(hi, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
          }
          if (lo >= hi) return 0;
          std::string file = info->dlpi_name != nullptr ? info->dlpi_name : "";
          if (file.empty() && b->mappings_.empty()) {
            char path[4096];
            ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
            if (n > 0) file.assign(path, static_cast<std::size_t>(n));
          }
          b->mappings_.push_back({lo, hi, file});
          return 0;
        },
        this);
  }

  // keep_runtime: the CPU profile's, where time in the runtime is time spent.
  std::vector<std::uint64_t> location_ids(const std::vector<void*>& pcs,
                                          bool keep_runtime = false) {
    std::vector<std::uint64_t> ids;
    ids.reserve(pcs.size());
    for (const PcFrames& f : visible_frames(pcs, keep_runtime)) {
      if (!f.frames.empty()) ids.push_back(location_id(f));
    }
    return ids;
  }

  std::int64_t str(const std::string& s) { return strings_.index(s); }

  // A ValueType message: {type, unit} string-table indexes.
  ProtoWriter value_type(const char* type, const char* unit) {
    ProtoWriter t;
    t.varint(1, static_cast<std::uint64_t>(str(type)));
    t.varint(2, static_cast<std::uint64_t>(str(unit)));
    return t;
  }

  // Sample.label: {key, str} string-table indexes, per label.
  void add_labels(ProtoWriter& sample, const rt::LabelList& labels) {
    for (const auto& [key, value] : labels) {
      ProtoWriter label;
      label.varint(1, static_cast<std::uint64_t>(str(key)));
      label.varint(2, static_cast<std::uint64_t>(str(value)));
      sample.message(3, label);
    }
  }

  // Appends the mappings, locations, functions and string table to p.
  void finish(ProtoWriter& p) {
    for (std::size_t i = 0; i < mappings_.size(); ++i) {
      ProtoWriter m;
      m.varint(1, i + 1);
      m.varint(2, mappings_[i].lo);
      m.varint(3, mappings_[i].hi);
      m.varint(5, static_cast<std::uint64_t>(str(mappings_[i].file)));
      for (int field : {7, 8, 9, 10}) m.varint(field, 1);  // functions, files, lines, inlines
      p.message(3, m);
    }
    for (const ProtoWriter& loc : locations_) p.message(4, loc);
    for (const ProtoWriter& fn : functions_) p.message(5, fn);
    for (const std::string& s : strings_.strings()) p.bytes(6, s);
  }

 private:
  std::uint64_t location_id(const PcFrames& f) {
    auto [it, inserted] = location_ids_.emplace(f.pc, locations_.size() + 1);
    if (!inserted) return it->second;
    ProtoWriter loc;
    loc.varint(1, it->second);
    std::uintptr_t addr = reinterpret_cast<std::uintptr_t>(f.pc) - 1;  // inside the call
    for (std::size_t i = 0; i < mappings_.size(); ++i) {
      if (addr >= mappings_[i].lo && addr < mappings_[i].hi) loc.varint(2, i + 1);
    }
    loc.varint(3, addr);
    for (const rt::Symbol& sym : f.frames) {  // innermost first
      ProtoWriter line;
      line.varint(1, function_id(sym));
      if (sym.line > 0) line.varint(2, static_cast<std::uint64_t>(sym.line));
      loc.message(4, line);
    }
    locations_.push_back(std::move(loc));
    return it->second;
  }

  std::uint64_t function_id(const rt::Symbol& sym) {
    std::string name = sym.function.empty() ? std::string("?") : sym.function;
    auto key = std::make_pair(name, sym.file);
    auto [it, inserted] = function_ids_.emplace(key, functions_.size() + 1);
    if (!inserted) return it->second;
    ProtoWriter fn;
    fn.varint(1, it->second);
    fn.varint(2, static_cast<std::uint64_t>(str(name)));
    fn.varint(3, static_cast<std::uint64_t>(str(name)));
    fn.varint(4, static_cast<std::uint64_t>(str(sym.file)));
    functions_.push_back(std::move(fn));
    return it->second;
  }

  struct Mapping {
    std::uintptr_t lo, hi;
    std::string file;
  };
  std::vector<Mapping> mappings_;
  StringTable strings_;
  std::map<void*, std::uint64_t> location_ids_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> function_ids_;
  std::vector<ProtoWriter> locations_;
  std::vector<ProtoWriter> functions_;
};

std::int64_t now_unix_nanos() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Go's count profile in profile.proto: sample and period type <name>/count,
// period 1, one sample per distinct stack.
std::string count_profile_proto(const std::string& name,
                                const std::vector<std::pair<std::string, Group>>& groups) {
  ProtoBuilder b;
  ProtoWriter p;
  ProtoWriter type = b.value_type(name.c_str(), "count");
  p.message(1, type);
  for (const auto& entry : groups) {
    const Group& g = entry.second;
    ProtoWriter sample;
    sample.packed(1, b.location_ids(g.pcs));
    sample.packed(2, {static_cast<std::uint64_t>(g.count)});
    b.add_labels(sample, g.labels);
    p.message(2, sample);
  }
  p.varint(9, static_cast<std::uint64_t>(now_unix_nanos()));
  p.message(11, type);
  p.varint(12, 1);
  b.finish(p);
  return pprof_internal::gzip_stored(p.data());
}

// The block and mutex profiles (Go's printCountCycleProfile): records by delay,
// largest first. Delays are kept in nanoseconds, so "cycles" are nanoseconds and
// cycles/second is 1e9.
std::vector<rt::ContentionRecord> sorted_records(bool mutex) {
  std::vector<rt::ContentionRecord> records = rt::contention_records(mutex);
  std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    if (a.delay_ns != b.delay_ns) return a.delay_ns > b.delay_ns;
    return stack_key(a.stack) < stack_key(b.stack);
  });
  return records;
}

std::string contention_text(bool mutex) {
  std::string text = mutex ? "--- mutex:\n" : "--- contention:\n";
  text += "cycles/second=1000000000\n";
  if (mutex) {
    text += "sampling period=" + std::to_string(runtime::set_mutex_profile_fraction(-1)) + "\n";
  }
  for (const rt::ContentionRecord& r : sorted_records(mutex)) {
    text += std::to_string(r.delay_ns) + " " + std::to_string(r.count) + " " + stack_key(r.stack) +
            "\n";
    append_stack_frames(text, r.stack);
    text += "\n";
  }
  return TabWriter(text).str();
}

std::string contention_proto(bool mutex) {
  ProtoBuilder b;
  ProtoWriter p;
  p.message(1, b.value_type("contentions", "count"));
  p.message(1, b.value_type("delay", "nanoseconds"));
  for (const rt::ContentionRecord& r : sorted_records(mutex)) {
    ProtoWriter sample;
    sample.packed(1, b.location_ids(r.stack));
    sample.packed(2, {static_cast<std::uint64_t>(r.count), static_cast<std::uint64_t>(r.delay_ns)});
    p.message(2, sample);
  }
  p.varint(9, static_cast<std::uint64_t>(now_unix_nanos()));
  p.message(11, b.value_type("contentions", "count"));
  p.varint(12, 1);
  b.finish(p);
  return pprof_internal::gzip_stored(p.data());
}

// Go's CPU profile: sample types samples/count and cpu/nanoseconds, period the
// sampling interval, each sample with its labels.
std::string cpu_profile_proto(const std::vector<rt::CpuSample>& samples, std::int64_t period_ns,
                              std::int64_t start_ns, std::int64_t duration_ns) {
  ProtoBuilder b;
  ProtoWriter p;
  p.message(1, b.value_type("samples", "count"));
  p.message(1, b.value_type("cpu", "nanoseconds"));
  for (const rt::CpuSample& s : samples) {
    ProtoWriter sample;
    sample.packed(1, b.location_ids(s.stack, /*keep_runtime=*/true));
    sample.packed(
        2, {static_cast<std::uint64_t>(s.count), static_cast<std::uint64_t>(s.count * period_ns)});
    b.add_labels(sample, s.labels);
    p.message(2, sample);
  }
  p.varint(9, static_cast<std::uint64_t>(start_ns));
  p.varint(10, static_cast<std::uint64_t>(duration_ns));
  p.message(11, b.value_type("cpu", "nanoseconds"));
  p.varint(12, static_cast<std::uint64_t>(period_ns));
  b.finish(p);
  return pprof_internal::gzip_stored(p.data());
}

Error write_out(std::ostream& out, const std::string& data) {
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.flush();
  if (!out) return errors::make("pprof: write failed");
  return Error();
}

}  // namespace

struct Profile::Impl {
  std::string name;
  Kind kind = Kind::custom;
  mutable std::mutex mu;
  std::map<const void*, std::vector<void*>> entries;  // custom profiles, by value

  static Profile* make(std::string name, Kind kind) {
    auto* impl = new Impl;
    impl->name = std::move(name);
    impl->kind = kind;
    return new Profile(impl);
  }

  // caller_frame: write_to's, for the goroutine-leak profile (find_leaked_goroutines).
  std::vector<std::vector<void*>> stacks(std::vector<rt::LabelList>* labels,
                                         const void* caller_frame) const {
    switch (kind) {
      case Kind::goroutine:
        return rt::goroutine_stacks(0, labels);  // the writer's from Profile::write_to, as in Go
      case Kind::goroutineleak:
        return rt::leaked_goroutine_stacks(caller_frame, labels);
      case Kind::threadcreate: {
        // One entry per thread, with the empty stack Go's profile has today.
        std::int64_t n = rt::sched().threads_created.load(std::memory_order_relaxed) + 1;
        return std::vector<std::vector<void*>>(static_cast<std::size_t>(n));
      }
      case Kind::block:
      case Kind::mutex:
        return {};  // written by contention_text / contention_proto
      case Kind::custom: {
        std::lock_guard<std::mutex> lock(mu);
        std::vector<std::vector<void*>> out;
        out.reserve(entries.size());
        for (const auto& e : entries) out.push_back(e.second);
        return out;
      }
    }
    return {};
  }
};

struct detail::ProfileFactory {
  static Profile* make(std::string name, Kind kind) {
    return Profile::Impl::make(std::move(name), kind);
  }
};

namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, Profile*, std::less<>> profiles;

  Registry() {
    for (auto [name, kind] :
         {std::pair{"goroutine", Kind::goroutine}, std::pair{"goroutineleak", Kind::goroutineleak},
          std::pair{"threadcreate", Kind::threadcreate}, std::pair{"block", Kind::block},
          std::pair{"mutex", Kind::mutex}}) {
      profiles.emplace(name, detail::ProfileFactory::make(name, kind));
    }
  }
};

Registry& registry() {
  static auto* r = new Registry;  // profiles live for ever
  return *r;
}

}  // namespace

std::string Profile::name() const {
  return impl_->name;
}

int Profile::count() const {
  switch (impl_->kind) {
    case Kind::goroutine:
      return static_cast<int>(runtime::num_goroutine());
    case Kind::goroutineleak:
      return static_cast<int>(rt::find_leaked_goroutines(__builtin_frame_address(0)).size());
    case Kind::threadcreate:
      rt::ensure_started();
      return static_cast<int>(rt::sched().threads_created.load(std::memory_order_relaxed) + 1);
    case Kind::block:
    case Kind::mutex:
      return static_cast<int>(rt::contention_records(impl_->kind == Kind::mutex).size());
    case Kind::custom: {
      std::lock_guard<std::mutex> lock(impl_->mu);
      return static_cast<int>(impl_->entries.size());
    }
  }
  return 0;
}

void Profile::add(const void* value, int skip) {
  if (impl_->kind != Kind::custom)
    throw Panic("pprof: Add called on built-in Profile " + impl_->name);
  std::vector<void*> pcs = rt::caller_stack(skip + 1);  // without add itself
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->entries.emplace(value, std::move(pcs)).second) {
    throw Panic("pprof: Profile.Add of duplicate value");
  }
}

void Profile::remove(const void* value) {
  if (impl_->kind != Kind::custom) return;
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->entries.erase(value);
}

Error Profile::write_to(std::ostream& out, int debug) const {
  if (debug >= 2 && impl_->kind == Kind::goroutine) return write_out(out, runtime::stack(true));
  if (impl_->kind == Kind::block || impl_->kind == Kind::mutex) {
    bool mutex = impl_->kind == Kind::mutex;
    return write_out(out, debug > 0 ? contention_text(mutex) : contention_proto(mutex));
  }
  if (impl_->kind != Kind::custom) rt::ensure_started();
  if (debug >= 2 && impl_->kind == Kind::goroutineleak) {
    return write_out(out, rt::leaked_traceback(__builtin_frame_address(0)));
  }
  std::vector<rt::LabelList> labels;
  std::vector<std::vector<void*>> stacks = impl_->stacks(&labels, __builtin_frame_address(0));
  auto total = static_cast<std::int64_t>(stacks.size());
  auto groups = group_stacks(std::move(stacks), std::move(labels));
  if (debug > 0) return write_out(out, count_profile_text(impl_->name, groups, total));
  return write_out(out, count_profile_proto(impl_->name, groups));
}

namespace {

struct CpuProfileState {
  std::mutex mu;
  std::ostream* out = nullptr;  // guarded by mu; null: none running
  std::int64_t period_ns = 0;
  std::int64_t start_ns = 0;
};

CpuProfileState& cpu_state() {
  static auto* state = new CpuProfileState;  // never destroyed: usable at exit
  return *state;
}

}  // namespace

Error start_cpu_profile(std::ostream& out, int hz) {
  if (hz <= 0) return errors::make("pprof: CPU profiling rate must be positive");
  rt::ensure_started();
  CpuProfileState& st = cpu_state();
  std::lock_guard<std::mutex> lock(st.mu);
  // Go's message, also when another profiler holds the signal.
  if (st.out != nullptr || !rt::cpuprof_start(hz)) {
    return errors::make("cpu profiling already in use");
  }
  st.out = &out;
  st.period_ns = 1'000'000'000 / hz;
  st.start_ns = now_unix_nanos();
  return Error();
}

void stop_cpu_profile() {
  CpuProfileState& st = cpu_state();
  std::lock_guard<std::mutex> lock(st.mu);
  if (st.out == nullptr) return;
  std::int64_t lost = 0;
  std::vector<rt::CpuSample> samples = rt::cpuprof_stop(&lost);
  if (lost > 0) {
    // Go charges dropped samples to a runtime/pprof.lostProfileEvent frame; ours
    // have no stack to stand for them.
    rt::CpuSample dropped;
    dropped.count = lost;
    samples.push_back(std::move(dropped));
  }
  std::int64_t duration = now_unix_nanos() - st.start_ns;
  (void)write_out(*st.out, cpu_profile_proto(samples, st.period_ns, st.start_ns, duration));
  st.out = nullptr;
}

Profile* lookup(std::string_view name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.profiles.find(name);
  return it == r.profiles.end() ? nullptr : it->second;
}

Profile* new_profile(std::string name) {
  if (name.empty()) throw Panic("pprof: NewProfile with empty name");
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (r.profiles.count(name) != 0) throw Panic("pprof: NewProfile name already in use: " + name);
  Profile* p = detail::ProfileFactory::make(name, Kind::custom);
  r.profiles.emplace(std::move(name), p);
  return p;
}

std::vector<Profile*> profiles() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<Profile*> out;
  for (const auto& e : r.profiles) out.push_back(e.second);
  return out;
}

}  // namespace gocxx::pprof
