#!/usr/bin/env bash
# The osTicket contract through real curl, as an integrator would call it.
# Needs BASE_URL, KEY (may create tickets, default topic set), INACTIVE_KEY, FOREIGN_KEY
# (allowed only from 192.0.2.0/24), and a body limit below 64 KB on the server.
# Prints one line per check, then "N passed, N failed"; exits non-zero if any failed.
set -u
passed=0
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
request=$work/request
answer=$work/answer

# send NAME EXPECTED_STATUS EXPECTED_BODY_START PATH KEY CONTENT_TYPE [HEADER...]
# posts the file $request; the answer's body is left in $answer.
send() {
    local name=$1 expected=$2 start=$3 path=$4 key=$5 content_type=$6
    shift 6
    local headers=(-H "Content-Type: $content_type")
    [[ -n $key ]] && headers+=(-H "X-API-Key: $key")
    for header in "$@"; do headers+=(-H "$header"); done
    local status body
    status=$(curl -sS -o "$answer" -w '%{http_code}' -X POST "${headers[@]}" \
        --data-binary @"$request" "$BASE_URL$path")
    body=$(cat "$answer")
    if [[ $status == "$expected" && $body == "$start"* ]]; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name: got $status '${body:0:200}', wanted $expected '$start…'"
    fi
}

# The documented example (valid JSON, a real image); `example FIELD JSON` adds or overrides
# one field (JSON keeps the last of duplicate names).
example() {
    local extra=${1:+, \"$1\": $2}
    cat >"$request" <<JSON
{
    "alert": true,
    "autorespond": true,
    "source": "API",
    "name": "Angry User",
    "email": "api@osticket.com",
    "phone": "3185558634X123",
    "subject": "Testing API",
    "ip": "123.211.233.122",
    "message": "MESSAGE HERE",
    "attachments": [
        {"file.txt": "data:text/plain;charset=utf-8,content"},
        {"image.gif": "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs="}
    ]$extra
}
JSON
}

is_number() {
    if [[ $(cat "$answer") =~ ^[0-9]{8}$ ]]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL the body of a 201 is the ticket number: '$(cat "$answer")'"
    fi
}

JSON=application/json
REFUSED="Unable to create new ticket"

example
send "documented example" 201 "" /api/tickets.json "$KEY" $JSON
is_number
send "osTicket's http.php prefix" 201 "" /api/http.php/tickets.json "$KEY" $JSON
send "JSON labelled as a form, as curl -d sends it" 201 "" /api/tickets.json "$KEY" \
    application/x-www-form-urlencoded
send "idempotent first" 201 "" /api/tickets.json "$KEY" $JSON "Idempotency-Key: run-1"
first=$(cat "$answer")
send "idempotent retry" 201 "$first" /api/tickets.json "$KEY" $JSON "Idempotency-Key: run-1"

printf '{"name": "Angry User",}' >"$request"
send "malformed JSON" 400 "$REFUSED: validation errors:
malformed JSON" /api/tickets.json "$KEY" $JSON
example subject '""'
send "missing subject" 400 "$REFUSED: validation errors:
subject: required" /api/tickets.json "$KEY" $JSON
example topicId 999999
send "unknown topic" 400 "$REFUSED: validation errors:
topicId: unknown help topic 999999" /api/tickets.json "$KEY" $JSON
example attachments '[{"x.png": "data:image/png;base64,@@@"}]'
send "bad base64" 400 "$REFUSED: validation errors:
attachments: “x.png”: the data is not valid base64" /api/tickets.json "$KEY" $JSON
example attachments '[{"run.exe": "data:application/octet-stream;base64,TVqQAA=="}]'
send "refused file type" 400 "$REFUSED: “run.exe”: this type of file is not accepted" \
    /api/tickets.json "$KEY" $JSON

example
send "wrong content type" 415 "$REFUSED: content type text/xml is not accepted" \
    /api/tickets.json "$KEY" text/xml
echo '<ticket/>' >"$request"
send "XML excluded" 415 "$REFUSED: XML is not supported" /api/tickets.xml "$KEY" application/xml

{ printf '{"message": "'; head -c 70000 /dev/zero | tr '\0' x; printf '"}'; } >"$request"
send "oversized body" 413 "$REFUSED: the request body is larger than" \
    /api/tickets.json "$KEY" $JSON

example
send "missing key" 401 "API key not authorized: An API key is required" \
    /api/tickets.json "" $JSON
send "inactive key" 401 "API key not authorized: This API key is inactive" \
    /api/tickets.json "$INACTIVE_KEY" $JSON
send "address outside the key's networks" 401 \
    "API key not authorized: This API key may not be used from 127.0.0.1" \
    /api/tickets.json "$FOREIGN_KEY" $JSON

printf 'From: Jordan Blake <jordan@northbank.test>\r\nSubject: Banking down\r\n%s\r\n\r\n%s\r\n' \
    'Message-ID: <c1@nb.test>' 'Error 503 everywhere.' >"$request"
send "raw email" 201 "" /api/tickets.email "$KEY" message/rfc822
is_number

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
