#!/bin/sh
# Signature vectors for Anchor webhook deliveries, computed with openssl
# rather than Go: hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)).
#
# Regenerate the committed output with
#
#	sh vectors.sh > vectors.txt
#
# Each output line is: name, secret, timestamp, body as hex, signature as
# hex, separated by tabs. Bodies are printf formats (so \n, \r and octal
# escapes work, and % is written %%).
set -eu
LC_ALL=C
export LC_ALL

vector() {
	name=$1 secret=$2 ts=$3 fmt=$4
	# shellcheck disable=SC2059 # the body is a format on purpose
	body=$(printf "$fmt" | od -An -v -tx1 | tr -d ' \n')
	# shellcheck disable=SC2059
	sig=$({ printf 'v0:%s:' "$ts"; printf "$fmt"; } | openssl dgst -sha256 -hmac "$secret" | sed 's/^.*= *//')
	printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$secret" "$ts" "$body" "$sig"
}

echo '# name	secret	timestamp	body (hex)	v1 signature (hex); made by vectors.sh with openssl dgst -sha256 -hmac'
vector completed whsec_test_secret 1700000000 '{"id":"evt_0001","type":"task.completed","data":{"execution_id":"3c90c3cc-0d44-4b50-8888-8dd25736052a"}}'
vector one-byte-changed whsec_test_secret 1700000000 '{"id":"evt_0002","type":"task.completed","data":{"execution_id":"3c90c3cc-0d44-4b50-8888-8dd25736052a"}}'
vector other-timestamp whsec_test_secret 1700000001 '{"id":"evt_0001","type":"task.completed","data":{"execution_id":"3c90c3cc-0d44-4b50-8888-8dd25736052a"}}'
vector utf8 whsec_test_secret 1712345678 '{"id":"evt_0003","type":"task.failed","text":"Tâche échouée ✗ 日本語 🚀"}'
vector newlines whsec_test_secret 1712345678 '{\n  "id": "evt_0004",\r\n  "type": "task.cancelled"\n}\n'
vector empty-body whsec_test_secret 1712345678 ''
vector binary-body whsec_test_secret 1712345678 '\000\001\377 not json %% at all'
vector symbols-secret 's3cr3t!@#$^&*()_+-=[]{}|;:,.<>?~' 1800000000 '{"id":"evt_0005","type":"task.completed"}'
vector long-secret kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk 1800000000 '{"id":"evt_0006","type":"task.completed"}'
vector zero-timestamp whsec_test_secret 0 '{"id":"evt_0007"}'
vector far-timestamp whsec_test_secret 9999999999 '{"id":"evt_0008"}'
