/** One page of a list, before it is enveloped with its `meta`. */
export interface Page<T> {
  items: T[];
  total: number;
}
