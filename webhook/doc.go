// Package webhook receives Anchor Browser webhook deliveries: a Receiver is
// an http.Handler a Go service mounts (on any path: a tunnel or proxy in
// front may route freely) that verifies each delivery's signature and
// timestamp, drops repeated deliveries, and hands every verified, first-seen
// event to a callback. Sign makes the signature header, for fakes and for
// tests of one's own receivers.
//
// An event is a hint, never the outcome. Which field of an event's data
// names the execution is not documented, events may be lost, repeated or
// late, and their text comes from the network. A waiter that receives an
// event for an execution it waits on polls that execution at once; the
// poll decides how it ended. Event.Tokens and Event.Mentions find the IDs an
// event may concern without relying on any field name.
//
// A delivery is accepted when its Anchor-Signature header,
//
//	Anchor-Signature: t=<unix seconds>,v1=<hex>
//
// holds a v1 value equal to hex(HMAC-SHA256(secret, "v0:" + t + ":" + body)),
// compared in constant time, and t is within the tolerance of the
// receiver's clock (2 minutes by default, either way). Everything else is
// refused before the callback sees it.
package webhook
