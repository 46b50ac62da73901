"""The web shell that pages and routes share: the session cookie and request info, the page's
session access and guard, the signed-in frame with its header and bell, one way to run a service
call from a handler, refusal pages and reads shared between open pages. May import components,
services and data; never pages or routes."""
