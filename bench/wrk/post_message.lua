-- POST a chat message with the bench user's token (MMM_TOKEN).
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("MMM_TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"body":"a benchmark message of moderate length, as chat goes"}'
