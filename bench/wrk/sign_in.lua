-- POST /v1/sessions with the bench user's credentials (MMM_EMAIL, MMM_PASSWORD).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"' .. os.getenv("MMM_EMAIL") .. '","password":"' .. os.getenv("MMM_PASSWORD") .. '"}'
