"""Lets open_clip import on the CPU-only torch wheel: torchvision's meta-kernel registrations reference the
compiled `torchvision::nms` operator, which a torchvision built for another torch lacks. open_clip only needs
torchvision's PIL transforms, so that one module is replaced by an empty one before torchvision is imported."""
import sys
import types

sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
