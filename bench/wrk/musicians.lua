-- GET the musician searches listed in $MMM_MUSICIAN_PATHS (one path per line), in turn,
-- with the bench user's token (MMM_TOKEN).
wrk.headers["Authorization"] = "Bearer " .. os.getenv("MMM_TOKEN")
local paths = {}
for line in io.lines(os.getenv("MMM_MUSICIAN_PATHS")) do paths[#paths + 1] = line end
local i = 0
function request()
  i = i + 1
  return wrk.format("GET", paths[i % #paths + 1])
end
