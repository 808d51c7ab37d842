#!/usr/bin/env python3
"""Publish a tone as Opus over WHIP with GStreamer's webrtcbin: a WebRTC stack that is
neither pion nor Chromium, driven the way audio-only WHIP publishers built on it do.

usage: gst_whip_publish.py WHIP_URL TOKEN SECONDS BUNDLE_POLICY [FREQ_HZ]

BUNDLE_POLICY is webrtcbin's bundle-policy: none (no a=group:BUNDLE in the offer),
max-bundle, max-compat or balanced. ICE is kept to loopback (no other interface, no UPnP
SSDP multicast, no TCP candidates) so the test touches nothing beyond this host.

Prints one JSON object per line on stdout: {"offer": sdp}, {"answer": sdp, "status": code},
{"state": "connected"} and finally {"done": true, "connected": bool, "rtp_sent": n}. Exits
0 when the peer connection reached "connected" and RTP was sent, 2 when the server refused
the offer (its status and body are printed), 1 otherwise. The gstreamer_test.go in the
directory above runs it; it needs python3-gi, gir1.2-gst-plugins-bad-1.0,
gstreamer1.0-plugins-good, gstreamer1.0-plugins-bad and gstreamer1.0-nice.
"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402


def say(**kv):
    print(json.dumps(kv), flush=True)


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 64
    url, token, seconds, policy = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    freq = float(sys.argv[5]) if len(sys.argv) > 5 else 220.0
    Gst.init(None)
    pipe = Gst.parse_launch(
        f"webrtcbin name=w bundle-policy={policy} "
        f"audiotestsrc is-live=true wave=sine freq={freq} volume=0.3 ! audioconvert ! audioresample "
        "! opusenc ! rtpopuspay pt=111 "
        "! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 "
        "! identity name=rtp ! w."
    )
    w = pipe.get_by_name("w")
    ice = w.get_property("ice-agent")
    agent = ice.get_property("agent")
    agent.set_property("upnp", False)  # no SSDP multicast
    agent.set_property("ice-tcp", False)
    ice.emit("add-local-ip-address", "127.0.0.1")  # gather on loopback only

    loop = GLib.MainLoop()
    st = {"connected": False, "rtp": 0, "rc": 1, "location": None}

    def count(_ident, _buf):
        st["rtp"] += 1

    rtp = pipe.get_by_name("rtp")
    rtp.set_property("signal-handoffs", True)
    rtp.connect("handoff", count)

    def finish(rc):
        st["rc"] = rc
        loop.quit()
        return False

    def post_offer():
        offer = w.get_property("local-description").sdp.as_text()
        say(offer=offer)
        req = urllib.request.Request(url, data=offer.encode(), method="POST",
                                     headers={"Content-Type": "application/sdp",
                                              "Authorization": "Bearer " + token})
        try:
            with urllib.request.urlopen(req, timeout=15) as resp:
                body, status = resp.read().decode(), resp.status
                st["location"] = urllib.parse.urljoin(url, resp.headers.get("Location") or "")
        except urllib.error.HTTPError as e:
            say(answer=e.read().decode(errors="replace"), status=e.code)
            return finish(2)
        say(answer=body, status=status)
        _, msg = GstSdp.SDPMessage.new_from_text(body)
        answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, msg)
        w.emit("set-remote-description", answer, Gst.Promise.new())
        GLib.timeout_add(int(seconds * 1000), lambda: finish(0 if st["connected"] and st["rtp"] > 0 else 1))
        return False

    def on_gathering(obj, _pspec):
        if obj.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            GLib.idle_add(post_offer)  # WHIP sends one offer with every candidate in it

    def on_state(obj, _pspec):
        s = obj.get_property("connection-state")
        say(state=s.value_nick)
        if s == GstWebRTC.WebRTCPeerConnectionState.CONNECTED:
            st["connected"] = True
        elif s == GstWebRTC.WebRTCPeerConnectionState.FAILED:
            GLib.idle_add(finish, 1)

    def on_offer(promise, _w, _data):
        promise.wait()
        reply = promise.get_reply()  # keep the structure alive while its offer is used
        offer = reply.get_value("offer")
        w.emit("set-local-description", offer, Gst.Promise.new())

    def on_negotiation_needed(_w):
        w.emit("create-offer", None, Gst.Promise.new_with_change_func(on_offer, w, None))

    w.connect("on-negotiation-needed", on_negotiation_needed)
    w.connect("notify::ice-gathering-state", on_gathering)
    w.connect("notify::connection-state", on_state)
    GLib.timeout_add(int((seconds + 20) * 1000), lambda: finish(1))  # never hang a test
    pipe.set_state(Gst.State.PLAYING)
    loop.run()
    pipe.set_state(Gst.State.NULL)
    if st["location"]:
        try:
            urllib.request.urlopen(urllib.request.Request(
                st["location"], method="DELETE", headers={"Authorization": "Bearer " + token}), timeout=5).close()
        except urllib.error.URLError as e:
            say(delete_error=str(e))
    say(done=True, connected=st["connected"], rtp_sent=st["rtp"])
    return st["rc"]


if __name__ == "__main__":
    sys.exit(main())
