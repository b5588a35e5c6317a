-- wrk script: logins with a correct password (argon2id verification on every request).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"' .. (os.getenv("HUOJU_USER") or "center") .. '","password":"Huoju@2024"}'
