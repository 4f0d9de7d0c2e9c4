// sync.Map (part of the sync package; <gocxx/sync.hpp> includes this header).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../sync.hpp"

namespace gocxx::detail {
// Which of a Map shard's reader counters the caller uses: its processor's, or for a
// plain thread one picked by its address.
inline int map_reader_slot(int slots) noexcept {
  int p = current_proc();
  if (p < 0) {
    thread_local const int mine = static_cast<int>(reinterpret_cast<std::uintptr_t>(&mine) >> 6);
    p = mine;
  }
  return p & (slots - 1);
}
// Waits (briefly spinning, then yielding the processor) until n is zero.
void wait_for_readers(const std::atomic<std::int32_t>& n) noexcept;
}  // namespace gocxx::detail

namespace gocxx::sync {

// Go's sync.Map: a concurrent map for keys that are read far more often than they
// are written, or written by disjoint sets of goroutines. Sharded: each of 32 shards
// is an std::unordered_map. Readers do not lock: each announces itself on a
// counter of its own processor (8 per shard, each on its own cache line), so readers
// of one hot key on different processors never write a shared cache line. A writer
// takes the shard's mutex, raises the shard's writer flag (new readers then queue on
// the mutex) and waits for the announced readers to leave. range() visits a
// snapshot of each shard and holds nothing while f runs (so f may modify the map).
template <class K, class V, class Hash = std::hash<K>>
class Map {
 public:
  Map() = default;
  Map(const Map&) = delete;
  Map& operator=(const Map&) = delete;

  std::optional<V> load(const K& key) const {
    return read(shard(key), [&](const Table& m) -> std::optional<V> {
      auto it = m.find(key);
      if (it == m.end()) return std::nullopt;
      return it->second;
    });
  }

  void store(const K& key, V value) {
    Shard& s = shard(key);
    WriteGuard guard(s);
    s.m.insert_or_assign(key, std::move(value));
  }

  // The existing value and true, or stores value and returns it and false.
  std::pair<V, bool> load_or_store(const K& key, V value) {
    Shard& s = shard(key);
    std::optional<V> existing = read(s, [&](const Table& m) -> std::optional<V> {
      auto it = m.find(key);
      if (it == m.end()) return std::nullopt;
      return it->second;
    });
    if (existing) return {std::move(*existing), true};
    WriteGuard guard(s);
    auto [it, inserted] = s.m.try_emplace(key, std::move(value));
    return {it->second, !inserted};
  }

  std::optional<V> load_and_delete(const K& key) {
    Shard& s = shard(key);
    WriteGuard guard(s);
    auto it = s.m.find(key);
    if (it == s.m.end()) return std::nullopt;
    std::optional<V> v(std::move(it->second));
    s.m.erase(it);
    return v;
  }

  // Go's Delete.
  void erase(const K& key) {
    Shard& s = shard(key);
    WriteGuard guard(s);
    s.m.erase(key);
  }

  // Stores value; returns the previous value, if any.
  std::optional<V> swap(const K& key, V value) {
    Shard& s = shard(key);
    WriteGuard guard(s);
    auto it = s.m.find(key);
    if (it == s.m.end()) {
      s.m.emplace(key, std::move(value));
      return std::nullopt;
    }
    std::optional<V> previous(std::move(it->second));
    it->second = std::move(value);
    return previous;
  }

  bool compare_and_swap(const K& key, const V& expected,
                        V desired) requires std::equality_comparable<V> {
    Shard& s = shard(key);
    WriteGuard guard(s);
    auto it = s.m.find(key);
    if (it == s.m.end() || !(it->second == expected)) return false;
    it->second = std::move(desired);
    return true;
  }

  bool compare_and_delete(const K& key, const V& expected) requires std::equality_comparable<V> {
    Shard& s = shard(key);
    WriteGuard guard(s);
    auto it = s.m.find(key);
    if (it == s.m.end() || !(it->second == expected)) return false;
    s.m.erase(it);
    return true;
  }

  // Calls f(key, value) for each entry until f returns false.
  template <class F>
  requires std::is_invocable_r_v<bool, F&, const K&, const V&>
  void range(F f) const {
    std::vector<std::pair<K, V>> snapshot;
    for (const Shard& s : shards_) {
      snapshot.clear();
      read(s, [&](const Table& m) {
        snapshot.assign(m.begin(), m.end());
        return 0;
      });
      for (const auto& [k, v] : snapshot) {
        if (!f(k, v)) return;
      }
    }
  }

  void clear() {
    for (Shard& s : shards_) {
      WriteGuard guard(s);
      s.m.clear();
    }
  }

 private:
  using Table = std::unordered_map<K, V, Hash>;
  static constexpr std::size_t kShards = 32;
  static constexpr int kReaderSlots = 8;  // a power of two
  struct alignas(64) ReaderSlot {
    mutable std::atomic<std::int32_t> n{0};
  };
  struct alignas(64) Shard {
    mutable Mutex writers;             // writers, and readers while a writer works
    std::atomic<bool> writing{false};  // a writer holds `writers` and waits or works
    Table m;
    ReaderSlot readers[kReaderSlots];
  };

  // Runs f on the shard's table with no writer at work. The announcement and the
  // flag are a Dekker pair (both seq_cst): a reader that finds no writer is seen
  // by any writer that raises the flag afterwards.
  template <class F>
  static auto read(const Shard& s, F f) {
    std::atomic<std::int32_t>& n = s.readers[detail::map_reader_slot(kReaderSlots)].n;
    n.fetch_add(1, std::memory_order_seq_cst);
    if (!s.writing.load(std::memory_order_seq_cst)) [[likely]] {
      struct Leave {
        std::atomic<std::int32_t>& n;
        ~Leave() { n.fetch_sub(1, std::memory_order_release); }
      } leave{n};
      return f(s.m);
    }
    n.fetch_sub(1, std::memory_order_release);
    std::lock_guard<Mutex> guard(s.writers);
    return f(s.m);
  }

  class WriteGuard {
   public:
    explicit WriteGuard(Shard& s) : s_(s) {
      s_.writers.lock();
      s_.writing.store(true, std::memory_order_seq_cst);
      for (const ReaderSlot& r : s_.readers) detail::wait_for_readers(r.n);
    }
    ~WriteGuard() {
      s_.writing.store(false, std::memory_order_release);
      s_.writers.unlock();
    }
    WriteGuard(const WriteGuard&) = delete;
    WriteGuard& operator=(const WriteGuard&) = delete;

   private:
    Shard& s_;
  };

  Shard& shard(const K& key) { return shards_[mix(Hash{}(key)) % kShards]; }
  const Shard& shard(const K& key) const { return shards_[mix(Hash{}(key)) % kShards]; }
  // std::hash of integers is the identity; spread it before taking the shard.
  static std::size_t mix(std::size_t h) noexcept { return (h * 0x9e3779b97f4a7c15ULL) >> 32; }

  Shard shards_[kShards];
};

}  // namespace gocxx::sync
