// Router: maps (method, path) to a handler. The query string is ignored for matching.
//
// Unknown paths answer 404 and known paths with another method answer 405 with an Allow header.
// Routes are added before the server starts and never change afterwards.
//
// Thread safety: Add() before serving; Dispatch() is then safe from any thread.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "wagate/http/types.h"

namespace wagate::http {

class Router {
 public:
  void Add(boost::beast::http::verb method, std::string path, Handler handler);
  void Dispatch(const Request& request, const RequestContext& context, Respond respond) const;

 private:
  // path → (method, handler) pairs.
  std::map<std::string, std::vector<std::pair<boost::beast::http::verb, Handler>>, std::less<>> routes_;
};

// The path part of a request target ("/webhook?x=1" → "/webhook").
std::string_view TargetPath(std::string_view target);

}  // namespace wagate::http
