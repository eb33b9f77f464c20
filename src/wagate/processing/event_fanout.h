// EventFanout: one ports::EventSink that hands every event to several sinks, in the order they
// were added: the observers that count outcomes (metrics, the alert window, the dashboard's
// history) and, last, the EventPublisher that ships events to the `analytics` queue.
//
// Every sink must honour the EventSink contract (never block on storage), because Publish() runs
// on HTTP I/O threads and workers.
//
// Thread safety: Add() before the first Publish(); Publish() from any thread.
#pragma once

#include <vector>

#include "wagate/ports/event_sink.h"

namespace wagate::processing {

class EventFanout final : public ports::EventSink {
 public:
  // `sink` is borrowed and must outlive every Publish().
  void Add(ports::EventSink* sink) { sinks_.push_back(sink); }

  void Publish(domain::AnalyticsEvent event) override {
    if (sinks_.empty()) return;
    for (size_t i = 0; i + 1 < sinks_.size(); ++i) sinks_[i]->Publish(event);
    sinks_.back()->Publish(std::move(event));
  }

 private:
  std::vector<ports::EventSink*> sinks_;
};

}  // namespace wagate::processing
