// Stands for the reader's own monitoring client in the documentation's examples ('./metrics.js').
export const metrics = {
  gauge(name: string, value: number): void {
    console.log(name, value);
  },
};
