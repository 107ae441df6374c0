# Helpers for driving wrk; source from a perf script.

# wrk_post_lua BODY TOKEN LUA: writes a wrk script (LUA) that POSTs the JSON file BODY with a Bearer TOKEN.
wrk_post_lua() {
    cat > "$3" <<LUA
local f = io.open("$1", "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $2"
LUA
}
