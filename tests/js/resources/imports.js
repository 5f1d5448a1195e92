self.imported = (self.imported || 0) + 1;
