// The context package, after Go's context/context.go.
//
// A context is a chain of nodes from the newest to a root (background/todo). A
// cancellable node (with_cancel, with_deadline, after_func) registers with its
// nearest cancellable ancestor, which cancels its registered children when it is
// cancelled itself (first cancellation wins; locks are taken parent before child).
// A child leaves its ancestor's registry when it is cancelled or when its last
// handle goes, so a long-lived parent does not accumulate dead children. Values and
// without_cancel nodes just sit in the chain: lookups walk it.
#include "gocxx/context.hpp"

#include <unordered_map>
#include <vector>

#include "context/context_internal.hpp"
#include "gocxx/runtime.hpp"
#include "runtime/lock.hpp"

namespace gocxx::context {

namespace {

class DeadlineExceeded final : public errors::ErrorBase {
 public:
  std::string message() const override { return "context deadline exceeded"; }
  bool timeout() const override { return true; }
  bool temporary() const override { return true; }
};

}  // namespace

// Sentinels: copied into every cancelled node, from many threads at once.
const Error canceled = errors::sentinel("context canceled");
const Error deadline_exceeded = Error::from_static<DeadlineExceeded>();

}  // namespace gocxx::context

namespace gocxx::detail {

using context::Context;

namespace {
std::atomic<std::int64_t> g_live_nodes{0};
}  // namespace

std::int64_t live_nodes() noexcept {
  return g_live_nodes.load(std::memory_order_relaxed);
}

class Node {
 public:
  enum class Kind { root, cancel, value, without_cancel };

  // cancel nodes (mu guards err, cause, children, registered_with, stopped). What
  // cancellation touches comes first, in the node's first cache line.
  rt::Lock mu;
  Kind kind;
  Chan<> done_chan;
  Error err;
  Error cause;

  std::shared_ptr<Node> parent;
  std::string name;  // for roots: "context.Background"; otherwise the suffix

  // value nodes
  std::any key;
  std::any val;
  bool (*equals)(const std::any&, const void*) = nullptr;

  std::unordered_map<Node*, std::shared_ptr<Node>> children;  // owned: after_func nodes
  Node* registered_with = nullptr;  // the ancestor whose children we are in
  std::optional<time::Time> deadline;
  time::Timer timer;
  bool has_timer = false;
  std::function<void()> after;  // after_func nodes: what to start on cancellation
  bool after_done = false;      // after_func: started or stopped (Go's sync.Once)

  explicit Node(Kind k) : kind(k) { g_live_nodes.fetch_add(1, std::memory_order_relaxed); }
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  ~Node() {
    // Leave the ancestor's registry first: a cancelling ancestor may be walking its
    // children right now, and holds its lock while it does.
    if (kind == Kind::cancel) detach();
    g_live_nodes.fetch_sub(1, std::memory_order_relaxed);
  }

  void detach() {
    Node* a = nullptr;
    {
      rt::LockGuard guard(mu);
      a = registered_with;
      registered_with = nullptr;
    }
    if (a == nullptr) return;
    std::shared_ptr<Node> keep;  // an owned child may be the last reference to this node
    {
      rt::LockGuard guard(a->mu);
      auto it = a->children.find(this);
      if (it != a->children.end()) {
        keep = std::move(it->second);
        a->children.erase(it);
      }
    }
  }

  // Go's cancelCtx.cancel. The after_func callbacks of the cancelled subtree start
  // once no context lock is held any more (a callback may well look at a context).
  void cancel(bool remove_from_parent, const Error& e, const Error& c) {
    std::vector<std::function<void()>> to_start;
    cancel_tree(e, c, &to_start);
    if (remove_from_parent) detach();
    for (auto& f : to_start) go(std::move(f));
  }

  void cancel_tree(const Error& e, const Error& c, std::vector<std::function<void()>>* to_start) {
    time::Timer t;
    bool stop_timer = false;
    {
      rt::LockGuard guard(mu);
      if (err) return;  // the first cancellation wins
      err = e;
      cause = c ? c : e;
      done_chan.close();
      auto kids = std::move(children);
      children.clear();
      // A wide tree's nodes and channels are cold by the time it is cancelled: walk
      // ahead of the loop, touching the node kPrefetchNode steps on and its channel
      // kPrefetchChan steps on, so that their cache misses overlap.
      constexpr std::size_t kPrefetchNode = 8;
      constexpr std::size_t kPrefetchChan = 4;
      auto node_ahead = kids.begin();
      auto chan_ahead = kids.begin();
      for (std::size_t i = 0; i < kPrefetchNode && node_ahead != kids.end(); ++i) {
        __builtin_prefetch(node_ahead->first, 1);
        ++node_ahead;
      }
      for (std::size_t i = 0; i < kPrefetchChan && chan_ahead != kids.end(); ++i) ++chan_ahead;
      for (auto& [child, owned] : kids) {
        if (node_ahead != kids.end()) {
          __builtin_prefetch(node_ahead->first, 1);
          ++node_ahead;
        }
        if (chan_ahead != kids.end()) {
          __builtin_prefetch(chan_ahead->first->done_chan.core(), 1);
          ++chan_ahead;
        }
        // Cancel the child before it forgets us: while registered_with still names
        // this node, a child whose last handle goes meanwhile waits in detach() for
        // our lock, so it is not freed under this loop.
        child->cancel_tree(e, cause, to_start);
        {
          rt::LockGuard child_guard(child->mu);
          child->registered_with = nullptr;
        }
      }
      if (after && !after_done) {
        after_done = true;
        to_start->push_back(after);
      }
      t = timer;
      stop_timer = has_timer;
    }
    if (stop_timer) t.stop();
  }

  // The nearest cancellable node at or above this one (nullptr past a
  // without_cancel node or a root).
  const Node* cancellable() const {
    for (const Node* n = this; n != nullptr; n = n->parent.get()) {
      if (n->kind == Kind::cancel) return n;
      if (n->kind != Kind::value) return nullptr;
    }
    return nullptr;
  }
  Node* cancellable() { return const_cast<Node*>(std::as_const(*this).cancellable()); }
};

namespace {

std::shared_ptr<Node> checked_parent(const Context& parent) {
  if (!parent) throw Panic("cannot create context from nil parent");
  return parent.node();
}

// Go's propagateCancel: registers child with the nearest cancellable ancestor, or
// cancels it at once if that ancestor is already cancelled.
void propagate_cancel(const std::shared_ptr<Node>& child, bool owned) {
  Node* a = child->parent->cancellable();
  if (a == nullptr) return;  // the parent can never be cancelled
  Error err;
  Error cause;
  {
    rt::LockGuard guard(a->mu);
    if (a->err) {
      err = a->err;
      cause = a->cause;
    } else {
      rt::LockGuard child_guard(child->mu);
      child->registered_with = a;
      a->children.emplace(child.get(), owned ? child : nullptr);
      return;
    }
  }
  child->cancel(false, err, cause);
}

std::shared_ptr<Node> new_cancel_node(std::shared_ptr<Node> parent, std::string name) {
  auto n = std::make_shared<Node>(Node::Kind::cancel);
  n->parent = std::move(parent);
  n->name = std::move(name);
  n->done_chan = make_chan<>();
  return n;
}

Context make_root(const char* name) {
  auto n = std::make_shared<Node>(Node::Kind::root);
  n->name = name;
  return Context(std::move(n));
}

}  // namespace

std::any lookup(const Node* node, const KeyRef& key) {
  for (const Node* n = node; n != nullptr; n = n->parent.get()) {
    if (n->kind == Node::Kind::value && n->key.type() == *key.type && n->equals(n->key, key.key)) {
      return n->val;
    }
  }
  return {};
}

Context with_value_any(const Context& parent, std::any key, std::any value,
                       bool (*equals)(const std::any&, const void*), std::string key_text,
                       std::string value_text) {
  auto n = std::make_shared<Node>(Node::Kind::value);
  n->parent = checked_parent(parent);
  n->key = std::move(key);
  n->val = std::move(value);
  n->equals = equals;
  n->name = ".WithValue(" + key_text + ", " + value_text + ")";
  return Context(std::move(n));
}

std::size_t registered_children(const Context& ctx) {
  Node* c = ctx.node() ? ctx.node()->cancellable() : nullptr;
  if (c == nullptr) return 0;
  rt::LockGuard guard(c->mu);
  return c->children.size();
}

}  // namespace gocxx::detail

namespace gocxx::context {

using detail::Node;

std::optional<time::Time> Context::deadline() const {
  for (const Node* n = node_.get(); n != nullptr; n = n->parent.get()) {
    if (n->kind == Node::Kind::cancel && n->deadline) return n->deadline;
    if (n->kind == Node::Kind::root || n->kind == Node::Kind::without_cancel) break;
  }
  return std::nullopt;
}

RecvChan<> Context::done() const {
  const Node* c = node_ ? node_->cancellable() : nullptr;
  return c != nullptr ? RecvChan<>(c->done_chan) : RecvChan<>();
}

Error Context::err() const {
  Node* c = node_ ? node_->cancellable() : nullptr;
  if (c == nullptr) return Error();
  rt::LockGuard guard(c->mu);
  return c->err;
}

std::string Context::to_string() const {
  std::string out;
  for (const Node* n = node_.get(); n != nullptr; n = n->parent.get()) out = n->name + out;
  return out;
}

void CancelFunc::operator()() const {
  if (node_) node_->cancel(true, canceled, Error());
}

void CancelCauseFunc::operator()(Error cause) const {
  if (node_) node_->cancel(true, canceled, cause);
}

Context background() {
  static const Context root = detail::make_root("context.Background");
  return root;
}

Context todo() {
  static const Context root = detail::make_root("context.TODO");
  return root;
}

std::pair<Context, CancelFunc> with_cancel(const Context& parent) {
  auto n = detail::new_cancel_node(detail::checked_parent(parent), ".WithCancel");
  detail::propagate_cancel(n, false);
  return {Context(n), CancelFunc(n)};
}

std::pair<Context, CancelCauseFunc> with_cancel_cause(const Context& parent) {
  auto n = detail::new_cancel_node(detail::checked_parent(parent), ".WithCancel");
  detail::propagate_cancel(n, false);
  return {Context(n), CancelCauseFunc(n)};
}

std::pair<Context, CancelFunc> with_deadline(const Context& parent, time::Time deadline) {
  return with_deadline_cause(parent, deadline, Error());
}

std::pair<Context, CancelFunc> with_deadline_cause(const Context& parent, time::Time deadline,
                                                   Error cause) {
  auto p = detail::checked_parent(parent);
  if (auto cur = parent.deadline(); cur && *cur < deadline) {
    return with_cancel(parent);  // the parent's earlier deadline wins
  }
  auto n = detail::new_cancel_node(std::move(p),
                                   ".WithDeadline(" + time::to_string(time::until(deadline)) + ")");
  n->deadline = deadline;
  detail::propagate_cancel(n, false);
  time::Duration left = time::until(deadline);
  if (left <= time::Duration::zero()) {
    n->cancel(true, deadline_exceeded, cause);
    return {Context(n), CancelFunc(n)};
  }
  std::weak_ptr<Node> weak = n;
  rt::LockGuard guard(n->mu);
  if (!n->err) {
    n->timer = time::after_func(left, [weak, cause] {
      if (auto live = weak.lock()) live->cancel(true, deadline_exceeded, cause);
    });
    n->has_timer = true;
  }
  return {Context(n), CancelFunc(n)};
}

Context without_cancel(const Context& parent) {
  auto n = std::make_shared<Node>(Node::Kind::without_cancel);
  n->parent = detail::checked_parent(parent);
  n->name = ".WithoutCancel";
  return Context(std::move(n));
}

std::function<bool()> after_func(const Context& ctx, std::function<void()> f) {
  auto n = detail::new_cancel_node(detail::checked_parent(ctx), ".AfterFunc");
  n->after = std::move(f);
  // The registry owns the node: f must run even if the stop function is dropped.
  detail::propagate_cancel(n, true);
  return [n] {
    {
      rt::LockGuard guard(n->mu);
      if (n->after_done) return false;
      n->after_done = true;
    }
    n->cancel(true, canceled, Error());
    return true;
  };
}

Error cause(const Context& ctx) {
  Node* c = ctx.node() ? ctx.node()->cancellable() : nullptr;
  if (c == nullptr) return Error();
  rt::LockGuard guard(c->mu);
  return c->cause;
}

}  // namespace gocxx::context
