/* The outbox's replay (the store is outbox.js, loaded first): sends the waiting items of the person signed
 * in, in order, one at a time, each with the UUID it was made with and the session's CSRF token, and reads
 * how each went from the answer's headers only (the protocol: secondop/pwa/protocol.py, and the README).
 * saved or conflict → removed (a save's new version moves later edits of the same text on); refused → kept
 * with the server's message, for the person to fix; login → stops until they log in; anything else
 * (offline, a server error, an answer without the protocol's headers) → stops, to try again later.
 */
/* global self, fetch, URLSearchParams */
(function (scope) {
  "use strict";

  var CSRF_URL = "/pwa/csrf/";
  var api = scope.SecondopOutbox;

  /* {token, user} for the session, or an Error("login") when there is none. */
  function session() {
    return fetch(CSRF_URL, { credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" } }).then(
      function (response) {
        if (response.type === "opaqueredirect") throw new Error("login");
        if (!response.ok) throw new Error("retry");
        return response.json();
      }
    );
  }

  /* Sends one item with the session's CSRF token; resolves to {outcome, message, version, html}, as the
   * answer's headers say (html: an htmx answer's, to swap in). */
  function send(item, token) {
    var body = new URLSearchParams(item.body);
    body.delete("csrfmiddlewaretoken"); // the token may have changed since (a new log-in)
    body.delete("client_id"); // the header says it
    var headers = {
      "Content-Type": "application/x-www-form-urlencoded",
      "X-Client-Id": item.id,
      "X-CSRFToken": token,
      // Answer a redirect with a 204 whose headers say how it went (a redirect's are unreadable here).
      "X-Secondop-Outbox": "1",
    };
    if (item.htmx) headers["HX-Request"] = "true";
    return fetch(item.url, {
      method: "POST",
      body: body.toString(),
      headers: headers,
      credentials: "same-origin",
      redirect: "manual",
    }).then(function (response) {
      var message = response.headers.get("X-Secondop-Message");
      var answer = {
        outcome: response.headers.get("X-Secondop-Outcome") || "retry", // not the app's answer: try again later
        message: message ? decodeURIComponent(message) : "",
        version: response.headers.get("X-Secondop-Version") || "",
        html: "",
      };
      if ((answer.outcome === "saved" || answer.outcome === "conflict") && item.htmx) {
        return response.text().then(function (html) {
          answer.html = html;
          return answer;
        });
      }
      return answer;
    });
  }

  /* Later edits of the same text were made on top of the one just saved: they carry its new version, so
   * that a person's own queued edits are not taken for someone else's (a conflict). */
  function rebase(url, version) {
    return api.all().then(function (items) {
      return Promise.all(
        items
          .filter(function (other) {
            return other.url === url && other.status === "waiting";
          })
          .map(function (other) {
            var body = new URLSearchParams(other.body);
            if (!body.has("version")) return null;
            body.set("version", version);
            return api.update(other.id, { body: body.toString() }, true);
          })
      );
    });
  }

  var replaying = null;

  function replayOnce(tried) {
    return api.all().then(function (items) {
      var waiting = items.filter(function (item) {
        return item.status === "waiting" && !tried[item.id];
      });
      if (!waiting.length) return { sent: 0, stopped: "", refused: 0 };
      return session().then(
        function (current) {
          var mine = waiting.filter(function (item) {
            return item.user === undefined || item.user === null || item.user === "" || String(item.user) === String(current.user);
          });
          var total = mine.length;
          var result = { sent: 0, stopped: "", refused: 0 };

          function done(item, answer) {
            result.sent += 1;
            // Only a save moves later edits on: after a conflict they stay on the version they were made on.
            var moved = answer.outcome === "saved" && answer.version;
            return (moved ? rebase(item.url, answer.version) : Promise.resolve())
              .then(function () {
                return api.remove(item.id);
              })
              .then(function () {
                api.notify({ type: "sent", outcome: answer.outcome, html: answer.html, item: Object.assign({}, item, { body: undefined }) });
              });
          }

          function stop(reason) {
            if (!result.stopped) result.stopped = reason;
            return result;
          }

          function next(index) {
            if (index >= total) return stop("");
            var item = mine[index];
            tried[item.id] = true;
            api.notify({ type: "progress", done: index, total: total });
            return api.update(item.id, { sentAt: Date.now() }, true)
              .then(function () {
                return send(item, current.token);
              })
              .then(
                function (answer) {
                  if (answer.outcome === "saved" || answer.outcome === "conflict") {
                    return done(item, answer).then(function () {
                      return next(index + 1);
                    });
                  }
                  if (answer.outcome === "refused") {
                    result.refused += 1;
                    return api.update(item.id, { status: "refused", message: answer.message }).then(function () {
                      return next(index + 1);
                    });
                  }
                  return stop(answer.outcome);
                },
                function () {
                  return stop("offline");
                }
              );
          }
          return next(0);
        },
        function (error) {
          var reason = error && (error.message === "login" || error.message === "retry") ? error.message : "offline";
          return { sent: 0, stopped: reason, refused: 0 };
        }
      );
    });
  }

  /* Replays waiting items in order, one at a time, and then whatever was added meanwhile. Resolves to
   * {sent, stopped, refused}: stopped is "" (all sent), "login", "offline" or "retry". */
  function replay() {
    if (replaying) return replaying;
    var run = function () {
      var tried = {};
      var total = { sent: 0, stopped: "", refused: 0 };
      var round = function () {
        return replayOnce(tried).then(function (result) {
          total.sent += result.sent;
          total.refused += result.refused;
          total.stopped = result.stopped;
          if (!result.stopped && result.sent + result.refused > 0) return round();
          api.notify({ type: "progress", done: 0, total: 0 });
          return total;
        });
      };
      return round();
    };
    var locked = scope.navigator && scope.navigator.locks
      ? scope.navigator.locks.request("secondop-outbox", run)
      : run();
    replaying = locked.then(
      function (result) {
        replaying = null;
        return result;
      },
      function (error) {
        replaying = null;
        throw error;
      }
    );
    return replaying;
  }
  api.replay = replay;
})(self);
