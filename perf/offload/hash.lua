-- wrk script for perf/offload/run.sh: every request is POST /hash with one password.
wrk.method = "POST"
wrk.body = "correct horse battery staple"
wrk.headers["Content-Type"] = "text/plain"
