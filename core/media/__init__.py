"""Media files: what a file is, and its pictures.

* `image`: recognising files by content, decoding images, metadata, thumbnails.
* `video`: probing videos and sampling their frames with PyAV.
"""
