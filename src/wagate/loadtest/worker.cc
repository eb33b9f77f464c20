#include "wagate/loadtest/worker.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/read.hpp>
#include <cmath>
#include <memory>
#include <optional>
#include <random>
#include <string>

namespace wagate::loadtest {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

constexpr size_t kRingSize = 1024;         // acknowledged requests kept for resending
constexpr size_t kKeptAnswerBytes = 4096;  // the counts sit in the first few dozen bytes
constexpr uint64_t kMaxAnswerBytes = 1 << 20;
constexpr auto kConnectBackoff = std::chrono::milliseconds(100);
constexpr auto kWatchdogPeriod = std::chrono::milliseconds(100);

// Reads an answer's status, keep-alive and the start of its body, and nothing else: no header
// map is built, so an answer costs no allocation once the body string has grown.
class AnswerParser final : public http::basic_parser<false> {
 public:
  explicit AnswerParser(std::string* body) : body_(body) { body_->clear(); }
  int status() const { return status_; }

 private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                       ErrorCode&) override {}
  void on_response_impl(int code, beast::string_view, int, ErrorCode&) override { status_ = code; }
  void on_field_impl(http::field, beast::string_view, beast::string_view, ErrorCode&) override {}
  void on_header_impl(ErrorCode&) override {}
  void on_body_init_impl(const boost::optional<uint64_t>&, ErrorCode&) override {}
  size_t on_body_impl(beast::string_view s, ErrorCode&) override { return Keep(s); }
  void on_chunk_header_impl(uint64_t, beast::string_view, ErrorCode&) override {}
  size_t on_chunk_body_impl(uint64_t, beast::string_view s, ErrorCode&) override { return Keep(s); }
  void on_finish_impl(ErrorCode&) override {}

  size_t Keep(beast::string_view s) {
    const size_t room = kKeptAnswerBytes - std::min(kKeptAnswerBytes, body_->size());
    body_->append(s.data(), std::min(room, s.size()));
    return s.size();
  }

  std::string* body_;
  int status_ = 0;
};

enum class RequestKind { kFresh, kResend, kGroupLead, kGroupCopy };
enum class Step { kSend, kParked, kStop };

class Worker;

// One keep-alive connection: connect, then request → answer until the worker stops it; on any
// transport error it counts the error and reconnects.
class Connection {
 public:
  Connection(Worker& worker, asio::io_context& io) : worker_(worker), socket_(io), timer_(io) {}

  void Connect();
  // Writes the request in out() (prepared by the worker) and reads the answer.
  void Send();
  // Ends this connection for the run; nothing may be pending on it.
  void Finish();
  // Cancels a pacing or backoff wait, so a stopping connection finishes now.
  void Wake() { timer_.cancel(); }
  // Aborts the pending connect or request when it has run longer than `timeout`.
  void CheckTimeout(SteadyTime now, steady_clock::duration timeout);

  std::string& out() { return out_; }
  void set_kind(RequestKind kind) { kind_ = kind; }

 private:
  void Next();
  void Prepare();
  void OnWritten(ErrorCode ec);
  void OnAnswer(ErrorCode ec);
  void Fail(ErrorKind kind);
  void Close();

  Worker& worker_;
  tcp::socket socket_;
  asio::steady_timer timer_;  // open-loop pacing and connect backoff
  beast::flat_buffer read_buffer_;
  std::optional<AnswerParser> parser_;
  std::string out_;          // the request being sent, reused
  std::string answer_body_;  // the start of the last answer's body, reused
  RequestKind kind_ = RequestKind::kFresh;
  SteadyTime due_{};         // latency is measured from here
  SteadyTime busy_since_{};  // start of the pending connect or request
  bool busy_ = false;
  bool timed_out_ = false;
  bool done_ = false;
};

// Decides what each connection sends, keeps the acknowledged requests for resending, forms
// concurrent groups, and counts. Everything runs on the worker's one thread.
class Worker {
 public:
  Worker(const WorkerContext& context, const WorkerPlan& plan);
  WorkerStats Run();

  // --- for connections ---
  bool stopping() const { return stopping_; }
  bool open_loop() const { return plan_.rate > 0; }
  const std::vector<tcp::endpoint>& endpoints() const { return context_.endpoints; }
  // The due time of the next open-loop request; nullopt once it falls past the deadline.
  std::optional<SteadyTime> TakeSlot();
  // Puts the next request into c.out(). kParked: c waits in a concurrent group, which sends
  // all its members at once when it is full.
  Step Prepare(Connection& c);
  void CountSent(RequestKind kind);
  void CountError(ErrorKind kind) { ++stats_.errors[static_cast<size_t>(kind)]; }
  void RecordAnswer(int status, std::string_view body, SteadyTime now, SteadyTime due,
                    RequestKind kind, const std::string& request);
  void ConnectionFinished();

 private:
  double Uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  void OnDeadline(ErrorCode ec);
  void ArmWatchdog();

  const WorkerContext& context_;
  const WorkerPlan plan_;
  const steady_clock::duration timeout_;
  size_t fanout_ = 0;        // members of a concurrent group
  double group_chance_ = 0;  // per decision, so that the requested fraction of requests are copies
  double resend_chance_ = 0;

  asio::io_context io_{1};
  asio::steady_timer deadline_timer_{io_};
  asio::steady_timer watchdog_{io_};
  std::vector<std::unique_ptr<Connection>> connections_;
  size_t finished_ = 0;
  bool stopping_ = false;
  uint64_t next_slot_ = 0;

  std::mt19937_64 rng_;
  std::string scratch_;
  std::vector<std::string> ring_;  // acknowledged fresh requests
  size_t ring_next_ = 0;
  std::string group_request_;
  std::vector<Connection*> group_;  // parked members of the open group
  std::vector<Connection*> launching_;

  WorkerStats stats_;
};

// ---------------------------------------------------------------------------------------------

void Connection::Connect() {
  if (worker_.stopping()) return Finish();
  read_buffer_.clear();
  busy_ = true;
  busy_since_ = steady_clock::now();
  asio::async_connect(socket_, worker_.endpoints(), [this](ErrorCode ec, const tcp::endpoint&) {
    busy_ = false;
    if (ec) return Fail(timed_out_ ? ErrorKind::kTimeout : ErrorKind::kConnect);
    ErrorCode ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    Next();
  });
}

void Connection::Next() {
  if (worker_.stopping()) return Finish();
  if (worker_.open_loop()) {
    const std::optional<SteadyTime> due = worker_.TakeSlot();
    if (!due) return Finish();
    due_ = *due;
    if (due_ > steady_clock::now()) {
      timer_.expires_at(due_);
      timer_.async_wait([this](ErrorCode) {
        if (worker_.stopping()) return Finish();
        Prepare();
      });
      return;
    }
  }
  Prepare();
}

void Connection::Prepare() {
  switch (worker_.Prepare(*this)) {
    case Step::kSend:
      return Send();
    case Step::kParked:
      return;
    case Step::kStop:
      return Finish();
  }
}

void Connection::Send() {
  busy_ = true;
  busy_since_ = steady_clock::now();
  if (!worker_.open_loop()) due_ = busy_since_;
  worker_.CountSent(kind_);
  asio::async_write(socket_, asio::buffer(out_), [this](ErrorCode ec, size_t) { OnWritten(ec); });
}

void Connection::OnWritten(ErrorCode ec) {
  if (ec) return Fail(timed_out_ ? ErrorKind::kTimeout : ErrorKind::kWrite);
  parser_.emplace(&answer_body_);
  parser_->body_limit(kMaxAnswerBytes);
  http::async_read(socket_, read_buffer_, *parser_, [this](ErrorCode ec, size_t) { OnAnswer(ec); });
}

void Connection::OnAnswer(ErrorCode ec) {
  busy_ = false;
  if (ec) return Fail(timed_out_ ? ErrorKind::kTimeout : ErrorKind::kRead);
  worker_.RecordAnswer(parser_->status(), answer_body_, steady_clock::now(), due_, kind_, out_);
  if (!parser_->keep_alive()) {
    Close();
    return Connect();
  }
  Next();
}

void Connection::Fail(ErrorKind kind) {
  busy_ = false;
  timed_out_ = false;
  worker_.CountError(kind);
  Close();
  if (kind != ErrorKind::kConnect) return Connect();
  // A refused connect fails at once; pause so a down gateway is not spun against.
  timer_.expires_after(kConnectBackoff);
  timer_.async_wait([this](ErrorCode) { Connect(); });
}

void Connection::Close() {
  ErrorCode ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void Connection::Finish() {
  if (done_) return;
  done_ = true;
  Close();
  worker_.ConnectionFinished();
}

void Connection::CheckTimeout(SteadyTime now, steady_clock::duration timeout) {
  if (!busy_ || now - busy_since_ < timeout) return;
  timed_out_ = true;
  ErrorCode ignored;
  socket_.close(ignored);  // the pending operation completes with operation_aborted
}

// ---------------------------------------------------------------------------------------------

Worker::Worker(const WorkerContext& context, const WorkerPlan& plan)
    : context_(context),
      plan_(plan),
      timeout_(std::chrono::duration_cast<steady_clock::duration>(
          std::chrono::duration<double>(context.options.timeout_seconds))),
      rng_(plan.seed) {
  const Options& o = context.options;
  fanout_ = static_cast<size_t>(std::min(o.concurrent_fanout, plan.connections));
  // A decision yields one request, or `fanout_` for a group. For a fraction c of all requests
  // to be group copies and d to be resends: group chance p = c / (F - c(F - 1)); a decision
  // yields 1 + p(F - 1) requests on average, so the resend chance is d times that.
  if (fanout_ >= 2 && o.concurrent_duplicates > 0) {
    const double f = static_cast<double>(fanout_);
    group_chance_ = o.concurrent_duplicates / (f - o.concurrent_duplicates * (f - 1));
  }
  resend_chance_ = o.duplicates * (1 + group_chance_ * (static_cast<double>(fanout_) - 1));
  if (resend_chance_ > 0) ring_.reserve(kRingSize);
  group_.reserve(fanout_);
  launching_.reserve(fanout_);
}

WorkerStats Worker::Run() {
  for (int i = 0; i < plan_.connections; ++i)
    connections_.push_back(std::make_unique<Connection>(*this, io_));
  for (auto& c : connections_) c->Connect();
  if (context_.deadline != SteadyTime::max()) {
    deadline_timer_.expires_at(context_.deadline);
    deadline_timer_.async_wait([this](ErrorCode ec) { OnDeadline(ec); });
  }
  ArmWatchdog();
  io_.run();
  return stats_;
}

void Worker::OnDeadline(ErrorCode ec) {
  if (ec) return;  // every connection finished first
  stopping_ = true;
  // Parked group members would wait for peers that will never come.
  for (Connection* member : group_) member->Finish();
  group_.clear();
  for (auto& c : connections_) c->Wake();
}

void Worker::ArmWatchdog() {
  watchdog_.expires_after(std::min<steady_clock::duration>(kWatchdogPeriod, timeout_ / 2));
  watchdog_.async_wait([this](ErrorCode ec) {
    if (ec || finished_ == connections_.size()) return;
    const SteadyTime now = steady_clock::now();
    for (auto& c : connections_) c->CheckTimeout(now, timeout_);
    ArmWatchdog();
  });
}

std::optional<SteadyTime> Worker::TakeSlot() {
  const double offset = static_cast<double>(next_slot_++) / plan_.rate;
  const SteadyTime due = context_.start + std::chrono::duration_cast<steady_clock::duration>(
                                              std::chrono::duration<double>(offset));
  if (due >= context_.deadline) return std::nullopt;
  return due;
}

Step Worker::Prepare(Connection& c) {
  if (!group_.empty()) {  // an open group takes every connection that comes free
    c.out().assign(group_request_);
    c.set_kind(RequestKind::kGroupCopy);
    group_.push_back(&c);
    if (group_.size() < fanout_) return Step::kParked;
    launching_.swap(group_);
    ++stats_.concurrent_groups;
    for (Connection* member : launching_) member->Send();  // c included
    launching_.clear();
    return Step::kParked;
  }
  const double roll = Uniform();
  if (roll < group_chance_ && context_.budget.TryTake(fanout_)) {
    context_.factory.BuildFresh(&scratch_, &c.out());
    group_request_.assign(c.out());
    c.set_kind(RequestKind::kGroupLead);
    group_.push_back(&c);
    return Step::kParked;
  }
  if (!context_.budget.TryTake(1)) return Step::kStop;
  if (roll >= group_chance_ && roll < group_chance_ + resend_chance_ && !ring_.empty()) {
    c.out().assign(ring_[rng_() % ring_.size()]);
    c.set_kind(RequestKind::kResend);
    return Step::kSend;
  }
  context_.factory.BuildFresh(&scratch_, &c.out());
  c.set_kind(RequestKind::kFresh);
  return Step::kSend;
}

void Worker::CountSent(RequestKind kind) {
  ++stats_.sent;
  const auto items = static_cast<uint64_t>(context_.factory.items_per_request());
  switch (kind) {
    case RequestKind::kFresh:
      stats_.unique_ids_sent += items;
      break;
    case RequestKind::kResend:
      ++stats_.resent;
      break;
    case RequestKind::kGroupLead:
      stats_.unique_ids_sent += items;
      ++stats_.concurrent_requests;
      break;
    case RequestKind::kGroupCopy:
      ++stats_.concurrent_requests;
      break;
  }
}

void Worker::RecordAnswer(int status, std::string_view body, SteadyTime now, SteadyTime due,
                          RequestKind kind, const std::string& request) {
  ++stats_.completed;
  stats_.last_answer = now;
  stats_.latency.Record(static_cast<uint64_t>(std::chrono::nanoseconds(now - due).count()));
  if (status >= 0 && status < static_cast<int>(stats_.by_status.size())) ++stats_.by_status[status];
  if (status < 200 || status > 299) return;
  ++stats_.ok_2xx;
  if (status == 200) {
    if (const std::optional<AnswerCounts> counts = ParseAnswerCounts(body)) {
      stats_.accepted += counts->accepted;
      stats_.duplicates += counts->duplicates;
      stats_.quarantined += counts->quarantined;
    }
  }
  if (resend_chance_ > 0 && (kind == RequestKind::kFresh || kind == RequestKind::kGroupLead)) {
    if (ring_.size() < kRingSize) {
      ring_.push_back(request);
    } else {
      ring_[ring_next_].assign(request);
      ring_next_ = (ring_next_ + 1) % kRingSize;
    }
  }
}

void Worker::ConnectionFinished() {
  if (++finished_ < connections_.size()) return;
  deadline_timer_.cancel();
  watchdog_.cancel();
}

}  // namespace

bool RunBudget::TryTake(uint64_t n) {
  if (limit_ == 0) return true;
  uint64_t taken = taken_.load(std::memory_order_relaxed);
  do {
    if (limit_ - taken < n) return false;
  } while (!taken_.compare_exchange_weak(taken, taken + n, std::memory_order_relaxed));
  return true;
}

WorkerStats RunWorker(const WorkerContext& context, const WorkerPlan& plan) {
  Worker worker(context, plan);
  return worker.Run();
}

}  // namespace wagate::loadtest
