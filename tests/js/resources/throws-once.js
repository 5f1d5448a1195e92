throw new RangeError("thrown by the worker");
