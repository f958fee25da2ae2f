-- GET with the bench user's token (MMM_TOKEN).
wrk.headers["Authorization"] = "Bearer " .. os.getenv("MMM_TOKEN")
