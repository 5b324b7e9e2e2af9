"""Offline activation: request files in, signed response files out, the License API's rules between."""
