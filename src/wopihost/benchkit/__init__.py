"""Load generation and reporting shared by `wopihost bench` and the local suite in bench/.

It drives a WOPI host from the outside, as a WOPI client does (signed requests, HTTP only), and so imports
nothing of the host's internals but the proof layout in `wopihost.domain.proofkeys`.
"""
